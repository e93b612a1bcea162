/*
 * book.c - pools of orders and levels, and the per-side price ladder with
 * its AVL overflow tree, threaded into a price-ordered list (see
 * sequex/book.h).
 *
 * Invariants kept here: a level exists iff it has at least one order; its
 * total is the sum of its orders' remaining and count their number; a
 * level is either in the ladder window (height 0, slot and bit set) or in
 * the tree (height >= 1, price outside the window); the tree is a balanced
 * BST by price; best is the highest bid / lowest ask. Engine thread only.
 */
#include "sequex/book.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sx_pools_init(struct sx_pools *p, uint32_t order_cap, uint32_t level_cap)
{
	memset(p, 0, sizeof(*p));
	if (order_cap == 0 || order_cap >= SX_NIL || level_cap == 0 || level_cap >= SX_NIL)
		return -EINVAL;
	p->orders = aligned_alloc(64, ((size_t)order_cap * sizeof(*p->orders) + 63) & ~(size_t)63);
	if (p->orders)
		memset(p->orders, 0, (size_t)order_cap * sizeof(*p->orders));
	p->ulinks = calloc(order_cap, sizeof(*p->ulinks));
	p->coids = calloc(order_cap, sizeof(*p->coids));
	p->levels = calloc(level_cap, sizeof(*p->levels));
	if (!p->orders || !p->ulinks || !p->coids || !p->levels) {
		sx_pools_free(p);
		return -ENOMEM;
	}
	p->order_cap = order_cap;
	p->level_cap = level_cap;
	for (uint32_t i = 0; i < order_cap; i++)
		p->orders[i].next = i + 1 < order_cap ? i + 1 : SX_NIL;
	for (uint32_t i = 0; i < level_cap; i++)
		p->levels[i].head = i + 1 < level_cap ? i + 1 : SX_NIL;
	p->order_free = 0;
	p->level_free = 0;
	return 0;
}

void sx_pools_free(struct sx_pools *p)
{
	free(p->orders);
	free(p->ulinks);
	free(p->coids);
	free(p->levels);
	memset(p, 0, sizeof(*p));
}

uint32_t sx_order_alloc(struct sx_pools *p)
{
	uint32_t h = p->order_free;
	if (h == SX_NIL)
		return SX_NIL;
	struct sx_order *o = &p->orders[h];
	p->order_free = o->next;
	memset(o, 0, sizeof(*o));
	o->level = o->prev = o->next = SX_NIL;
	p->ulinks[h].prev = p->ulinks[h].next = SX_NIL;
	p->orders_used++;
	return h;
}

void sx_order_release(struct sx_pools *p, uint32_t h)
{
	SX_ASSERT(h < p->order_cap && p->orders_used > 0);
	struct sx_order *o = &p->orders[h];
	SX_ASSERT(o->level == SX_NIL);
	o->id = 0;
	o->next = p->order_free;
	p->order_free = h;
	p->orders_used--;
}

static uint32_t level_alloc(struct sx_pools *p, int64_t price)
{
	uint32_t h = p->level_free;
	SX_ASSERT(h != SX_NIL); /* sized to hold one level per order */
	struct sx_level *l = &p->levels[h];
	p->level_free = l->head;
	l->price = price;
	l->total = 0;
	l->head = l->tail = SX_NIL;
	l->count = 0;
	l->left = l->right = SX_NIL;
	l->height = 1;
	p->levels_used++;
	return h;
}

static void level_release(struct sx_pools *p, uint32_t h)
{
	p->levels[h].head = p->level_free;
	p->levels[h].count = 0;
	p->level_free = h;
	p->levels_used--;
}

int sx_book_init(struct sx_book *b)
{
	memset(b, 0, sizeof(*b));
	for (int s = 0; s < 2; s++) {
		b->root[s] = b->best[s] = SX_NIL;
		struct sx_ladder *l = &b->lad[s];
		l->slot = malloc(SX_LADDER_W * sizeof(*l->slot));
		l->bits = calloc(SX_LADDER_W / 64, sizeof(*l->bits));
		if (!l->slot || !l->bits) {
			sx_book_free(b);
			return -ENOMEM;
		}
		memset(l->slot, 0xff, SX_LADDER_W * sizeof(*l->slot));
	}
	return 0;
}

void sx_book_free(struct sx_book *b)
{
	for (int s = 0; s < 2; s++) {
		free(b->lad[s].slot);
		free(b->lad[s].bits);
		b->lad[s].slot = NULL;
		b->lad[s].bits = NULL;
	}
}

/* ---- ladder: direct slots and a two-level bitmap ---- */

/* The slot of price relative to the window, computed without signed
 * overflow for any int64 price and base (the window never wraps: see
 * level_create); a price outside the window gives a value >= SX_LADDER_W. */
static inline uint64_t lad_off(const struct sx_ladder *l, int64_t price)
{
	return (uint64_t)price - (uint64_t)l->base;
}

static inline bool lad_in(const struct sx_ladder *l, int64_t price)
{
	return lad_off(l, price) < SX_LADDER_W;
}

static inline void lad_set(struct sx_ladder *l, uint32_t i)
{
	l->bits[i >> 6] |= 1ull << (i & 63);
	l->sum[i >> 12] |= 1ull << ((i >> 6) & 63);
}

static inline void lad_clear(struct sx_ladder *l, uint32_t i)
{
	uint32_t w = i >> 6;
	l->bits[w] &= ~(1ull << (i & 63));
	if (l->bits[w] == 0)
		l->sum[w >> 6] &= ~(1ull << (w & 63));
}

/* Highest occupied slot < i, or -1. */
static int64_t lad_prev(const struct sx_ladder *l, uint32_t i)
{
	if (i == 0)
		return -1;
	i--;
	uint32_t w = i >> 6;
	uint64_t m = l->bits[w] & (~0ull >> (63 - (i & 63)));
	if (m)
		return (int64_t)((w << 6) + 63 - (uint32_t)__builtin_clzll(m));
	if (w == 0)
		return -1;
	uint32_t wi = w - 1, s = wi >> 6;
	uint64_t sm = l->sum[s] & (~0ull >> (63 - (wi & 63)));
	while (!sm) {
		if (s == 0)
			return -1;
		sm = l->sum[--s];
	}
	uint32_t wn = (s << 6) + 63 - (uint32_t)__builtin_clzll(sm);
	return (int64_t)((wn << 6) + 63 - (uint32_t)__builtin_clzll(l->bits[wn]));
}

/* Lowest occupied slot >= i, or -1. */
static int64_t lad_next(const struct sx_ladder *l, uint32_t i)
{
	if (i >= SX_LADDER_W)
		return -1;
	uint32_t w = i >> 6;
	uint64_t m = l->bits[w] & (~0ull << (i & 63));
	if (m)
		return (int64_t)((w << 6) + (uint32_t)__builtin_ctzll(m));
	uint32_t wi = w + 1;
	if (wi >= SX_LADDER_W / 64)
		return -1;
	uint32_t s = wi >> 6;
	uint64_t sm = l->sum[s] & (~0ull << (wi & 63));
	while (!sm) {
		if (++s >= SX_LADDER_W / 4096)
			return -1;
		sm = l->sum[s];
	}
	uint32_t wn = (s << 6) + (uint32_t)__builtin_ctzll(sm);
	return (int64_t)((wn << 6) + (uint32_t)__builtin_ctzll(l->bits[wn]));
}

/* ---- AVL tree over level handles ---- */

static inline int32_t height(const struct sx_level *L, uint32_t h)
{
	return h == SX_NIL ? 0 : L[h].height;
}

static inline void fix_height(struct sx_level *L, uint32_t h)
{
	int32_t a = height(L, L[h].left), c = height(L, L[h].right);
	L[h].height = (a > c ? a : c) + 1;
}

static uint32_t rotate_right(struct sx_level *L, uint32_t h)
{
	uint32_t l = L[h].left;
	L[h].left = L[l].right;
	L[l].right = h;
	fix_height(L, h);
	fix_height(L, l);
	return l;
}

static uint32_t rotate_left(struct sx_level *L, uint32_t h)
{
	uint32_t r = L[h].right;
	L[h].right = L[r].left;
	L[r].left = h;
	fix_height(L, h);
	fix_height(L, r);
	return r;
}

static uint32_t rebalance(struct sx_level *L, uint32_t h)
{
	fix_height(L, h);
	int32_t bal = height(L, L[h].left) - height(L, L[h].right);
	if (bal > 1) {
		uint32_t l = L[h].left;
		if (height(L, L[l].left) < height(L, L[l].right))
			L[h].left = rotate_left(L, l);
		return rotate_right(L, h);
	}
	if (bal < -1) {
		uint32_t r = L[h].right;
		if (height(L, L[r].right) < height(L, L[r].left))
			L[h].right = rotate_right(L, r);
		return rotate_left(L, h);
	}
	return h;
}

/* Insert level h under node; *lo / *hi receive its price neighbours. */
static uint32_t avl_insert(struct sx_level *L, uint32_t node, uint32_t h,
			   uint32_t *lo, uint32_t *hi)
{
	if (node == SX_NIL)
		return h;
	if (L[h].price < L[node].price) {
		*hi = node;
		L[node].left = avl_insert(L, L[node].left, h, lo, hi);
	} else {
		SX_ASSERT(L[h].price > L[node].price);
		*lo = node;
		L[node].right = avl_insert(L, L[node].right, h, lo, hi);
	}
	return rebalance(L, node);
}

static uint32_t avl_remove_min(struct sx_level *L, uint32_t node, uint32_t *min)
{
	if (L[node].left == SX_NIL) {
		*min = node;
		return L[node].right;
	}
	L[node].left = avl_remove_min(L, L[node].left, min);
	return rebalance(L, node);
}

static uint32_t avl_remove(struct sx_level *L, uint32_t node, uint32_t h)
{
	SX_ASSERT(node != SX_NIL);
	if (L[h].price < L[node].price) {
		L[node].left = avl_remove(L, L[node].left, h);
	} else if (L[h].price > L[node].price) {
		L[node].right = avl_remove(L, L[node].right, h);
	} else {
		SX_ASSERT(node == h);
		uint32_t l = L[h].left, r = L[h].right;
		if (r == SX_NIL)
			return l;
		uint32_t m = SX_NIL;
		r = avl_remove_min(L, r, &m);
		L[m].left = l;
		L[m].right = r;
		return rebalance(L, m);
	}
	return rebalance(L, node);
}

/* Tree level with the highest price < price (lower) or lowest > price. */
static uint32_t tree_neighbour(const struct sx_level *L, uint32_t n, int64_t price, bool lower)
{
	uint32_t best = SX_NIL;
	while (n != SX_NIL) {
		if (lower) {
			if (L[n].price < price) {
				best = n;
				n = L[n].right;
			} else {
				n = L[n].left;
			}
		} else {
			if (L[n].price > price) {
				best = n;
				n = L[n].left;
			} else {
				n = L[n].right;
			}
		}
	}
	return best;
}

uint32_t sx_book_find(const struct sx_pools *p, const struct sx_book *b,
		      enum sx_side side, int64_t price)
{
	const struct sx_ladder *l = &b->lad[side];
	if (lad_in(l, price))
		return l->slot[lad_off(l, price)];
	const struct sx_level *L = p->levels;
	uint32_t n = b->root[side];
	while (n != SX_NIL) {
		if (price == L[n].price)
			return n;
		n = price < L[n].price ? L[n].left : L[n].right;
	}
	return SX_NIL;
}

uint32_t sx_book_worse(const struct sx_pools *p, const struct sx_book *b, uint32_t lv,
		       enum sx_side side)
{
	const struct sx_level *L = p->levels;
	const struct sx_ladder *l = &b->lad[side];
	int64_t price = L[lv].price;
	bool down = side == SX_BUY; /* away from the best: lower bids, higher asks */
	if (L[lv].height == 0) {
		uint32_t i = (uint32_t)lad_off(l, price);
		int64_t j = down ? lad_prev(l, i) : lad_next(l, i + 1);
		if (j >= 0)
			return l->slot[j];
		return b->root[side] == SX_NIL ? SX_NIL : tree_neighbour(L, b->root[side], price, down);
	}
	/* a tree level: the nearer of the next tree level and the window's edge level */
	uint32_t t = tree_neighbour(L, b->root[side], price, down);
	uint32_t c = SX_NIL;
	if (l->count) {
		if (down && price > l->base) /* above the window (tree levels are outside it) */
			c = l->slot[lad_prev(l, SX_LADDER_W)];
		else if (!down && price < l->base)
			c = l->slot[lad_next(l, 0)];
	}
	if (c == SX_NIL)
		return t;
	if (t == SX_NIL)
		return c;
	return down ? (L[t].price > L[c].price ? t : c) : (L[t].price < L[c].price ? t : c);
}

static uint32_t level_create(struct sx_pools *p, struct sx_book *b,
			     enum sx_side side, int64_t price)
{
	struct sx_level *L = p->levels;
	struct sx_ladder *l = &b->lad[side];
	uint32_t h = level_alloc(p, price);
	if (b->nlevels[side] == 0) {
		/* an empty side: centre the window on its first price (every slot is
		 * empty, so this is O(1)); keep base + SX_LADDER_W - 1 <= INT64_MAX so
		 * no price in the window is out of range */
		int64_t top = INT64_MAX - (int64_t)(SX_LADDER_W - 1);
		int64_t base = price - (int64_t)(SX_LADDER_W / 2); /* prices are positive */
		l->base = base < top ? base : top;
	}
	if (lad_in(l, price)) {
		uint32_t i = (uint32_t)lad_off(l, price);
		L[h].height = 0;
		l->slot[i] = h;
		lad_set(l, i);
		l->count++;
	} else {
		uint32_t lo = SX_NIL, hi = SX_NIL;
		b->root[side] = avl_insert(L, b->root[side], h, &lo, &hi);
	}
	uint32_t best = b->best[side];
	if (best == SX_NIL || (side == SX_BUY ? price > L[best].price : price < L[best].price))
		b->best[side] = h;
	b->nlevels[side]++;
	return h;
}

static void level_delete(struct sx_pools *p, struct sx_book *b, enum sx_side side,
			 uint32_t h)
{
	struct sx_level *L = p->levels;
	if (b->best[side] == h) /* before h leaves the structures it is found from */
		b->best[side] = sx_book_worse(p, b, h, side);
	if (L[h].height == 0) {
		struct sx_ladder *l = &b->lad[side];
		uint32_t i = (uint32_t)lad_off(l, L[h].price);
		SX_ASSERT(l->slot[i] == h);
		l->slot[i] = SX_NIL;
		lad_clear(l, i);
		l->count--;
	} else {
		b->root[side] = avl_remove(L, b->root[side], h);
	}
	b->nlevels[side]--;
	level_release(p, h);
}

void sx_book_add(struct sx_pools *p, struct sx_book *b, uint32_t h)
{
	struct sx_order *o = &p->orders[h];
	enum sx_side side = (enum sx_side)o->side;
	SX_ASSERT(o->level == SX_NIL && o->remaining > 0);
	uint32_t lv = sx_book_find(p, b, side, o->price);
	if (lv == SX_NIL)
		lv = level_create(p, b, side, o->price);
	struct sx_level *l = &p->levels[lv];
	o->level = lv;
	o->prev = l->tail;
	o->next = SX_NIL;
	if (l->tail != SX_NIL)
		p->orders[l->tail].next = h;
	else
		l->head = h;
	l->tail = h;
	l->count++;
	l->total += o->remaining;
	b->norders[side]++;
}

void sx_book_remove(struct sx_pools *p, struct sx_book *b, uint32_t h)
{
	struct sx_order *o = &p->orders[h];
	enum sx_side side = (enum sx_side)o->side;
	uint32_t lv = o->level;
	SX_ASSERT(lv != SX_NIL);
	struct sx_level *l = &p->levels[lv];
	if (o->prev != SX_NIL)
		p->orders[o->prev].next = o->next;
	else
		l->head = o->next;
	if (o->next != SX_NIL)
		p->orders[o->next].prev = o->prev;
	else
		l->tail = o->prev;
	l->count--;
	l->total -= o->remaining;
	o->level = o->prev = o->next = SX_NIL;
	b->norders[side]--;
	if (l->count == 0) {
		SX_ASSERT(l->total == 0);
		level_delete(p, b, side, lv);
	}
}

/* ---- structural check (tests, validate) ---- */

static int check_tree(const struct sx_level *L, uint32_t n, int64_t lo, int64_t hi,
		      uint32_t *count, int32_t *h_out)
{
	if (n == SX_NIL) {
		*h_out = 0;
		return 0;
	}
	if (L[n].price <= lo || L[n].price >= hi || L[n].height < 1)
		return -__LINE__;
	int32_t hl, hr;
	int r = check_tree(L, L[n].left, lo, L[n].price, count, &hl);
	if (r)
		return r;
	r = check_tree(L, L[n].right, L[n].price, hi, count, &hr);
	if (r)
		return r;
	if (hl - hr > 1 || hr - hl > 1)
		return -__LINE__;
	if (L[n].height != (hl > hr ? hl : hr) + 1)
		return -__LINE__;
	*h_out = L[n].height;
	(*count)++;
	return 0;
}

int sx_book_check(const struct sx_pools *p, const struct sx_book *b)
{
	const struct sx_level *L = p->levels;
	for (int s = 0; s < 2; s++) {
		uint32_t nt = 0;
		int32_t h;
		const struct sx_ladder *l = &b->lad[s];
		int r = check_tree(L, b->root[s], INT64_MIN, INT64_MAX, &nt, &h);
		if (r)
			return r;
		/* ladder: every occupied slot holds a level of that price, bits agree */
		uint32_t nl = 0;
		for (uint32_t w = 0; w < SX_LADDER_W / 64; w++) {
			if (((l->sum[w >> 6] >> (w & 63)) & 1) != (l->bits[w] != 0))
				return -__LINE__;
			for (uint64_t m = l->bits[w]; m; m &= m - 1) {
				uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(m);
				uint32_t lv = l->slot[i];
				nl++;
				if (lv == SX_NIL || lad_off(l, L[lv].price) != i || L[lv].height != 0)
					return -__LINE__;
			}
		}
		if (nl != l->count || nt + nl != b->nlevels[s])
			return -__LINE__;
		/* walk the list from the best, away from it */
		uint32_t n = 0, orders = 0, prev = SX_NIL;
		for (uint32_t lv = b->best[s]; lv != SX_NIL; lv = sx_book_worse(p, b, lv, (enum sx_side)s)) {
			if (++n > b->nlevels[s])
				return -__LINE__;
			if (prev != SX_NIL &&
			    (s == SX_BUY ? L[lv].price >= L[prev].price : L[lv].price <= L[prev].price))
				return -__LINE__;
			if (L[lv].count == 0 || L[lv].total <= 0)
				return -__LINE__;
			int64_t total = 0;
			uint32_t cnt = 0, op = SX_NIL;
			for (uint32_t o = L[lv].head; o != SX_NIL; o = p->orders[o].next) {
				const struct sx_order *ord = &p->orders[o];
				if (++cnt > L[lv].count || ord->level != lv || ord->prev != op ||
				    ord->price != L[lv].price || ord->side != s || ord->remaining <= 0)
					return -__LINE__;
				total += ord->remaining;
				op = o;
			}
			if (op != L[lv].tail || cnt != L[lv].count || total != L[lv].total)
				return -__LINE__;
			if (sx_book_find(p, b, (enum sx_side)s, L[lv].price) != lv)
				return -__LINE__;
			orders += cnt;
			prev = lv;
		}
		if (n != b->nlevels[s] || orders != b->norders[s])
			return -__LINE__;
	}
	return 0;
}

int sx_book_check_slots(const struct sx_book *b)
{
	for (int s = 0; s < 2; s++) {
		const struct sx_ladder *l = &b->lad[s];
		for (uint32_t i = 0; i < SX_LADDER_W; i++) {
			bool set = (l->bits[i >> 6] >> (i & 63)) & 1;
			if (set != (l->slot[i] != SX_NIL))
				return -__LINE__;
		}
	}
	return 0;
}
