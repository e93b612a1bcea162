/*
 * test_book.c - unit tests of the order/level pools and the order book
 * structure (sequex/book.h): pool exhaustion and reuse, FIFO queues and
 * level totals through add/remove/reduce, best prices on both sides, level
 * creation and deletion, the price-ordered level list, sx_book_find, and a
 * randomized run checked by sx_book_check and a naive reference after every
 * operation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sequex/book.h"

static uint64_t rng_state;
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A new order (not resting) with id, side, price and remaining. */
static uint32_t new_order(struct sx_pools *p, uint64_t id, enum sx_side side, int64_t price,
			  int64_t qty)
{
	uint32_t h = sx_order_alloc(p);
	assert_int_not_equal(h, SX_NIL);
	struct sx_order *o = &p->orders[h];
	o->id = id;
	o->side = (uint8_t)side;
	o->price = price;
	o->remaining = qty;
	return h;
}

static uint32_t add(struct sx_pools *p, struct sx_book *b, uint64_t id, enum sx_side side,
		    int64_t price, int64_t qty)
{
	uint32_t h = new_order(p, id, side, price, qty);
	sx_book_add(p, b, h);
	assert_int_equal(sx_book_check(p, b), 0);
	assert_int_equal(sx_book_check_slots(b), 0);
	return h;
}

static int64_t best_price(const struct sx_pools *p, const struct sx_book *b, enum sx_side s)
{
	return b->best[s] == SX_NIL ? 0 : p->levels[b->best[s]].price;
}

/* The ids of the level at price on side, head to tail, into ids; returns n. */
static unsigned level_ids(const struct sx_pools *p, const struct sx_book *b, enum sx_side s,
			  int64_t price, uint64_t *ids, unsigned max)
{
	uint32_t lv = sx_book_find(p, b, s, price);
	if (lv == SX_NIL)
		return 0;
	unsigned n = 0;
	uint32_t prev = SX_NIL;
	for (uint32_t h = p->levels[lv].head; h != SX_NIL; h = p->orders[h].next) {
		assert_true(n < max);
		assert_int_equal(p->orders[h].prev, prev);
		assert_int_equal(p->orders[h].level, lv);
		ids[n++] = p->orders[h].id;
		prev = h;
	}
	assert_int_equal(p->levels[lv].tail, prev);
	assert_int_equal(p->levels[lv].count, n);
	return n;
}

static void test_pools(void **state)
{
	(void)state;
	struct sx_pools p;
	assert_int_equal(sx_pools_init(&p, 0, 4), -EINVAL);
	assert_int_equal(sx_pools_init(&p, 4, 0), -EINVAL);
	assert_int_equal(sx_pools_init(&p, SX_NIL, 4), -EINVAL);

	assert_int_equal(sx_pools_init(&p, 3, 3), 0);
	assert_int_equal(p.order_cap, 3);
	assert_int_equal(p.level_cap, 3);
	assert_int_equal(p.orders_used, 0);
	uint32_t h[3];
	for (int i = 0; i < 3; i++) {
		h[i] = sx_order_alloc(&p);
		assert_true(h[i] < 3);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(h[i], h[j]);
		const struct sx_order *o = &p.orders[h[i]];
		assert_int_equal(o->id, 0);
		assert_int_equal(o->remaining, 0);
		assert_int_equal(o->level, SX_NIL);
		assert_int_equal(o->prev, SX_NIL);
		assert_int_equal(o->next, SX_NIL);
		assert_int_equal(p.ulinks[h[i]].prev, SX_NIL);
		assert_int_equal(p.ulinks[h[i]].next, SX_NIL);
		assert_int_equal(p.orders_used, (uint32_t)i + 1);
	}
	assert_int_equal(sx_order_alloc(&p), SX_NIL);
	assert_int_equal(sx_order_alloc(&p), SX_NIL);
	assert_int_equal(p.orders_used, 3);

	/* dirty a slot, release it: the next alloc returns it zeroed */
	p.orders[h[1]].id = 77;
	p.orders[h[1]].remaining = 5;
	p.orders[h[1]].locked = 9;
	p.ulinks[h[1]].prev = 2;
	p.ulinks[h[1]].next = 0;
	sx_order_release(&p, h[1]);
	assert_int_equal(p.orders_used, 2);
	uint32_t again = sx_order_alloc(&p);
	assert_int_equal(again, h[1]);
	assert_int_equal(p.orders[again].id, 0);
	assert_int_equal(p.orders[again].remaining, 0);
	assert_int_equal(p.orders[again].locked, 0);
	assert_int_equal(p.orders[again].next, SX_NIL);
	assert_int_equal(p.orders[again].level, SX_NIL);
	assert_int_equal(p.ulinks[again].prev, SX_NIL);
	assert_int_equal(p.ulinks[again].next, SX_NIL);
	assert_int_equal(sx_order_alloc(&p), SX_NIL);

	/* release all, allocate all again */
	for (int i = 0; i < 3; i++)
		sx_order_release(&p, h[i]);
	assert_int_equal(p.orders_used, 0);
	for (int i = 0; i < 3; i++)
		assert_int_not_equal(sx_order_alloc(&p), SX_NIL);
	assert_int_equal(sx_order_alloc(&p), SX_NIL);
	sx_pools_free(&p);
	assert_null(p.orders);

	/* level pool: three levels fit, and levels are reused after deletion */
	struct sx_book b;
	assert_int_equal(sx_pools_init(&p, 4, 3), 0);
	assert_int_equal(sx_book_init(&b), 0);
	uint32_t o1 = add(&p, &b, 1, SX_BUY, 100, 1);
	uint32_t o2 = add(&p, &b, 2, SX_BUY, 101, 1);
	uint32_t o3 = add(&p, &b, 3, SX_SELL, 105, 1);
	assert_int_equal(p.levels_used, 3);
	sx_book_remove(&p, &b, o2);
	assert_int_equal(p.levels_used, 2);
	uint32_t o4 = add(&p, &b, 4, SX_SELL, 106, 1);
	assert_int_equal(p.levels_used, 3);
	(void)o1;
	(void)o3;
	(void)o4;
	sx_book_free(&b);
	sx_pools_free(&p);
}

static void test_fifo_and_totals(void **state)
{
	(void)state;
	struct sx_pools p;
	struct sx_book b;
	assert_int_equal(sx_pools_init(&p, 64, 64), 0);
	assert_int_equal(sx_book_init(&b), 0);
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(b.best[SX_BUY], SX_NIL);
	assert_int_equal(b.best[SX_SELL], SX_NIL);
	assert_int_equal(sx_book_find(&p, &b, SX_BUY, 100), SX_NIL);

	uint32_t a = add(&p, &b, 1, SX_BUY, 100, 5);
	uint32_t c = add(&p, &b, 2, SX_BUY, 100, 7);
	uint32_t d = add(&p, &b, 3, SX_BUY, 100, 11);
	uint32_t lv = sx_book_find(&p, &b, SX_BUY, 100);
	assert_int_not_equal(lv, SX_NIL);
	assert_int_equal(sx_book_find(&p, &b, SX_SELL, 100), SX_NIL);
	assert_int_equal(p.levels[lv].price, 100);
	assert_int_equal(p.levels[lv].total, 23);
	assert_int_equal(p.levels[lv].count, 3);
	assert_int_equal(p.levels[lv].head, a);
	assert_int_equal(p.levels[lv].tail, d);
	assert_int_equal(p.orders[a].level, lv);
	assert_int_equal(b.nlevels[SX_BUY], 1);
	assert_int_equal(b.norders[SX_BUY], 3);
	assert_int_equal(b.nlevels[SX_SELL], 0);
	uint64_t ids[8];
	assert_int_equal(level_ids(&p, &b, SX_BUY, 100, ids, 8), 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], 3);

	/* reduce keeps the place in the queue, total follows */
	sx_book_reduce(&p, a, 2);
	assert_int_equal(p.orders[a].remaining, 3);
	assert_int_equal(p.levels[lv].total, 21);
	assert_int_equal(p.levels[lv].head, a);
	assert_int_equal(sx_book_check(&p, &b), 0);

	/* remove from the middle */
	sx_book_remove(&p, &b, c);
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(p.orders[c].level, SX_NIL);
	assert_int_equal(p.orders[c].prev, SX_NIL);
	assert_int_equal(p.orders[c].next, SX_NIL);
	assert_int_equal(p.levels[lv].total, 14);
	assert_int_equal(p.levels[lv].count, 2);
	assert_int_equal(b.norders[SX_BUY], 2);
	assert_int_equal(level_ids(&p, &b, SX_BUY, 100, ids, 8), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 3);

	/* re-adding goes to the tail (lost priority) */
	sx_book_add(&p, &b, c);
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(level_ids(&p, &b, SX_BUY, 100, ids, 8), 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 3);
	assert_int_equal(ids[2], 2);
	assert_int_equal(p.levels[lv].total, 21);

	/* remove the head, then the tail */
	sx_book_remove(&p, &b, a);
	assert_int_equal(p.levels[lv].head, d);
	assert_int_equal(p.orders[d].prev, SX_NIL);
	sx_book_remove(&p, &b, c);
	assert_int_equal(p.levels[lv].tail, d);
	assert_int_equal(p.orders[d].next, SX_NIL);
	assert_int_equal(p.levels[lv].total, 11);
	assert_int_equal(sx_book_check(&p, &b), 0);

	/* emptying the level deletes it */
	uint32_t used = p.levels_used;
	sx_book_remove(&p, &b, d);
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(p.levels_used, used - 1);
	assert_int_equal(sx_book_find(&p, &b, SX_BUY, 100), SX_NIL);
	assert_int_equal(b.best[SX_BUY], SX_NIL);
	assert_int_equal(b.root[SX_BUY], SX_NIL);
	assert_int_equal(b.nlevels[SX_BUY], 0);
	assert_int_equal(b.norders[SX_BUY], 0);
	sx_book_free(&b);
	sx_pools_free(&p);
}

static void test_best_and_levels(void **state)
{
	(void)state;
	struct sx_pools p;
	struct sx_book b;
	assert_int_equal(sx_pools_init(&p, 64, 64), 0);
	assert_int_equal(sx_book_init(&b), 0);
	/* bids inserted out of order */
	uint32_t b100 = add(&p, &b, 1, SX_BUY, 100, 1);
	assert_int_equal(best_price(&p, &b, SX_BUY), 100);
	uint32_t b98 = add(&p, &b, 2, SX_BUY, 98, 2);
	assert_int_equal(best_price(&p, &b, SX_BUY), 100);
	uint32_t b102 = add(&p, &b, 3, SX_BUY, 102, 3);
	assert_int_equal(best_price(&p, &b, SX_BUY), 102);
	uint32_t b99 = add(&p, &b, 4, SX_BUY, 99, 4);
	uint32_t b101 = add(&p, &b, 5, SX_BUY, 101, 5);
	/* asks */
	uint32_t s110 = add(&p, &b, 6, SX_SELL, 110, 1);
	assert_int_equal(best_price(&p, &b, SX_SELL), 110);
	uint32_t s105 = add(&p, &b, 7, SX_SELL, 105, 2);
	assert_int_equal(best_price(&p, &b, SX_SELL), 105);
	uint32_t s108 = add(&p, &b, 8, SX_SELL, 108, 3);
	uint32_t s103 = add(&p, &b, 9, SX_SELL, 103, 4);
	assert_int_equal(best_price(&p, &b, SX_SELL), 103);
	assert_int_equal(best_price(&p, &b, SX_BUY), 102);
	assert_int_equal(b.nlevels[SX_BUY], 5);
	assert_int_equal(b.nlevels[SX_SELL], 4);

	/* level list from the best, away from it */
	const int64_t want_bids[] = {102, 101, 100, 99, 98};
	const int64_t want_asks[] = {103, 105, 108, 110};
	unsigned n = 0;
	for (uint32_t lv = b.best[SX_BUY]; lv != SX_NIL; lv = sx_book_worse(&p, &b, lv, SX_BUY)) {
		assert_true(n < 5);
		assert_int_equal(p.levels[lv].price, want_bids[n]);
		assert_int_equal(sx_book_find(&p, &b, SX_BUY, want_bids[n]), lv);
		n++;
	}
	assert_int_equal(n, 5);
	n = 0;
	for (uint32_t lv = b.best[SX_SELL]; lv != SX_NIL; lv = sx_book_worse(&p, &b, lv, SX_SELL)) {
		assert_true(n < 4);
		assert_int_equal(p.levels[lv].price, want_asks[n]);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(p.levels[sx_book_find(&p, &b, SX_SELL, 108)].total, 3);
	assert_int_equal(sx_book_find(&p, &b, SX_SELL, 104), SX_NIL);
	assert_int_equal(sx_book_find(&p, &b, SX_BUY, 103), SX_NIL);
	assert_int_equal(sx_book_find(&p, &b, SX_BUY, 97), SX_NIL);

	/* deleting the best level moves best to the next; a middle one leaves a gap */
	sx_book_remove(&p, &b, b102);
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(best_price(&p, &b, SX_BUY), 101);
	sx_book_remove(&p, &b, b99);
	assert_int_equal(sx_book_check(&p, &b), 0);
	uint32_t lv100 = sx_book_find(&p, &b, SX_BUY, 100);
	uint32_t lv98 = sx_book_find(&p, &b, SX_BUY, 98);
	assert_int_equal(sx_book_worse(&p, &b, lv100, SX_BUY), lv98);
	assert_int_equal(sx_book_worse(&p, &b, lv98, SX_BUY), SX_NIL);
	sx_book_remove(&p, &b, s103);
	assert_int_equal(best_price(&p, &b, SX_SELL), 105);
	sx_book_remove(&p, &b, s110); /* worst ask */
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(sx_book_worse(&p, &b, sx_book_find(&p, &b, SX_SELL, 108), SX_SELL), SX_NIL);
	sx_book_remove(&p, &b, s105);
	sx_book_remove(&p, &b, s108);
	assert_int_equal(b.best[SX_SELL], SX_NIL);
	assert_int_equal(b.nlevels[SX_SELL], 0);
	assert_int_equal(best_price(&p, &b, SX_BUY), 101);
	sx_book_remove(&p, &b, b101);
	sx_book_remove(&p, &b, b100);
	assert_int_equal(best_price(&p, &b, SX_BUY), 98);
	sx_book_remove(&p, &b, b98);
	assert_int_equal(b.best[SX_BUY], SX_NIL);
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(p.levels_used, 0);
	sx_book_free(&b);
	sx_pools_free(&p);
}

/*
 * Ascending and descending runs of prices, near each other and far apart
 * (levels far from the first one of a side cannot share a small window and
 * go to the tree), removed in another order: sx_book_check verifies every
 * structure after each step, and the level list stays in price order.
 */
static void run_shapes(int64_t step)
{
	struct sx_pools p;
	struct sx_book b;
	assert_int_equal(sx_pools_init(&p, 600, 600), 0);
	assert_int_equal(sx_book_init(&b), 0);
	uint32_t hs[600];
	for (int i = 0; i < 300; i++)
		hs[i] = add(&p, &b, (uint64_t)i + 1, SX_BUY, 1000 + i * step, 1);
	for (int i = 0; i < 300; i++)
		hs[300 + i] = add(&p, &b, (uint64_t)i + 301, SX_SELL, 1000 + 600 * step - i * step, 2);
	assert_int_equal(b.nlevels[SX_BUY], 300);
	assert_int_equal(b.nlevels[SX_SELL], 300);
	assert_int_equal(best_price(&p, &b, SX_BUY), 1000 + 299 * step);
	assert_int_equal(best_price(&p, &b, SX_SELL), 1000 + 301 * step);
	for (int i = 0; i < 300; i++) {
		uint32_t lv = sx_book_find(&p, &b, SX_BUY, 1000 + i * step);
		assert_int_equal(lv, p.orders[hs[i]].level);
		if (step > 1)
			assert_int_equal(sx_book_find(&p, &b, SX_BUY, 1001 + i * step), SX_NIL);
	}
	int64_t last = INT64_MAX;
	unsigned n = 0;
	for (uint32_t lv = b.best[SX_BUY]; lv != SX_NIL; lv = sx_book_worse(&p, &b, lv, SX_BUY)) {
		assert_true(p.levels[lv].price < last);
		last = p.levels[lv].price;
		n++;
	}
	assert_int_equal(n, 300);
	/* remove every third, then the rest from the middle out */
	for (int i = 0; i < 600; i += 3) {
		sx_book_remove(&p, &b, hs[i]);
		sx_order_release(&p, hs[i]);
		assert_int_equal(sx_book_check(&p, &b), 0);
	}
	for (int i = 0; i < 600; i++) {
		int j = (i * 7 + 300) % 600;
		if (j % 3 == 0)
			continue;
		sx_book_remove(&p, &b, hs[j]);
		sx_order_release(&p, hs[j]);
		assert_int_equal(sx_book_check(&p, &b), 0);
	}
	assert_int_equal(sx_book_check_slots(&b), 0);
	assert_int_equal(p.orders_used, 0);
	assert_int_equal(b.nlevels[SX_BUY], 0);
	assert_int_equal(b.nlevels[SX_SELL], 0);
	assert_int_equal(b.best[SX_BUY], SX_NIL);
	assert_int_equal(b.best[SX_SELL], SX_NIL);
	assert_int_equal(p.levels_used, 0);

	/* an emptied side starts again anywhere, near and far mixed */
	uint32_t x = add(&p, &b, 1000, SX_BUY, 5000000, 1);
	uint32_t y = add(&p, &b, 1001, SX_BUY, 7, 1);
	uint32_t z = add(&p, &b, 1002, SX_BUY, 5000001, 1);
	uint32_t w = add(&p, &b, 1003, SX_BUY, INT64_MAX / 4, 1);
	assert_int_equal(best_price(&p, &b, SX_BUY), INT64_MAX / 4);
	assert_int_equal(p.levels[sx_book_worse(&p, &b, b.best[SX_BUY], SX_BUY)].price, 5000001);
	sx_book_remove(&p, &b, w);
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(best_price(&p, &b, SX_BUY), 5000001);
	sx_book_remove(&p, &b, z);
	sx_book_remove(&p, &b, x);
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(best_price(&p, &b, SX_BUY), 7);
	sx_book_remove(&p, &b, y);
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(b.best[SX_BUY], SX_NIL);
	sx_book_free(&b);
	sx_pools_free(&p);
}

static void test_tree_shapes(void **state)
{
	(void)state;
	run_shapes(1);      /* consecutive prices */
	run_shapes(997);    /* spread over ~600k ticks */
	run_shapes(1000003); /* spread over ~600M ticks */
}

/* ---- randomized run against a naive reference ---- */

#define NPRICES 300
#define RORDERS 4000

struct ref {
	int64_t price[NPRICES]; /* ascending */
	int64_t total[2][NPRICES];
	uint32_t count[2][NPRICES];
};

static int ref_index(const struct ref *r, int64_t price)
{
	int lo = 0, hi = NPRICES - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (r->price[mid] == price)
			return mid;
		if (r->price[mid] < price)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	fail_msg("price %lld not in the table", (long long)price);
	return -1;
}

static void ref_check_all(const struct sx_pools *p, const struct sx_book *b,
			  const struct ref *r, unsigned op)
{
	for (int s = 0; s < 2; s++) {
		uint32_t levels = 0;
		for (int i = 0; i < NPRICES; i++) {
			uint32_t lv = sx_book_find(p, b, (enum sx_side)s, r->price[i]);
			if (r->count[s][i] == 0) {
				if (lv != SX_NIL)
					fail_msg("op %u: side %d price %lld should have no level", op,
						 s, (long long)r->price[i]);
				continue;
			}
			levels++;
			if (lv == SX_NIL || p->levels[lv].total != r->total[s][i] ||
			    p->levels[lv].count != r->count[s][i])
				fail_msg("op %u: side %d price %lld total/count mismatch", op, s,
					 (long long)r->price[i]);
		}
		assert_int_equal(b->nlevels[s], levels);
		/* the level list visits exactly the reference's prices, best first */
		int i = s == SX_BUY ? NPRICES - 1 : 0;
		for (uint32_t lv = b->best[s]; lv != SX_NIL;
		     lv = sx_book_worse(p, b, lv, (enum sx_side)s)) {
			while (r->count[s][i] == 0)
				i += s == SX_BUY ? -1 : 1;
			assert_int_equal(p->levels[lv].price, r->price[i]);
			i += s == SX_BUY ? -1 : 1;
		}
	}
}

static int64_t ref_best(const struct ref *r, enum sx_side s)
{
	if (s == SX_BUY) {
		for (int i = NPRICES - 1; i >= 0; i--)
			if (r->count[s][i])
				return r->price[i];
	} else {
		for (int i = 0; i < NPRICES; i++)
			if (r->count[s][i])
				return r->price[i];
	}
	return 0;
}

/* Every level's queue is in ascending id (ids are given in arrival order). */
static void check_fifo(const struct sx_pools *p, const struct sx_book *b)
{
	for (int s = 0; s < 2; s++)
		for (uint32_t lv = b->best[s]; lv != SX_NIL;
		     lv = sx_book_worse(p, b, lv, (enum sx_side)s)) {
			uint64_t last = 0;
			for (uint32_t h = p->levels[lv].head; h != SX_NIL; h = p->orders[h].next) {
				assert_true(p->orders[h].id > last);
				last = p->orders[h].id;
			}
		}
}

/*
 * 100k random adds, removes and reduces over the prices of r; `target` is
 * the book size the run hovers around (small targets empty the sides
 * often).
 */
static void run_random(struct ref *r, uint64_t seed, uint32_t target)
{
	struct sx_pools p;
	struct sx_book b;
	assert_int_equal(sx_pools_init(&p, RORDERS, RORDERS), 0);
	assert_int_equal(sx_book_init(&b), 0);
	memset(r->total, 0, sizeof(r->total));
	memset(r->count, 0, sizeof(r->count));
	static uint32_t resting[RORDERS];
	uint32_t nresting = 0;
	uint64_t next_id = 1;
	rng_state = seed;
	for (unsigned op = 0; op < 100000; op++) {
		unsigned roll = (unsigned)(rng() % 100);
		unsigned add_pct = nresting < target ? 70 : nresting > target * 2 ? 30 : 50;
		int ti;
		enum sx_side ts;
		if ((roll < add_pct || nresting == 0) && nresting < RORDERS) {
			enum sx_side s = (enum sx_side)(rng() & 1);
			int pi = (int)(rng() % NPRICES);
			int64_t qty = (int64_t)(rng() % 1000) + 1;
			uint32_t h = new_order(&p, next_id++, s, r->price[pi], qty);
			sx_book_add(&p, &b, h);
			resting[nresting++] = h;
			r->total[s][pi] += qty;
			r->count[s][pi]++;
			ti = pi;
			ts = s;
		} else if (roll < 90) {
			uint32_t k = (uint32_t)(rng() % nresting);
			uint32_t h = resting[k];
			struct sx_order *o = &p.orders[h];
			ts = (enum sx_side)o->side;
			ti = ref_index(r, o->price);
			r->total[ts][ti] -= o->remaining;
			r->count[ts][ti]--;
			sx_book_remove(&p, &b, h);
			assert_int_equal(o->level, SX_NIL);
			sx_order_release(&p, h);
			resting[k] = resting[--nresting];
		} else {
			uint32_t h = resting[rng() % nresting];
			struct sx_order *o = &p.orders[h];
			ts = (enum sx_side)o->side;
			ti = ref_index(r, o->price);
			if (o->remaining > 1) {
				int64_t lots = (int64_t)(rng() % (uint64_t)(o->remaining - 1)) + 1;
				sx_book_reduce(&p, h, lots);
				r->total[ts][ti] -= lots;
			}
		}
		int rc = sx_book_check(&p, &b);
		if (rc != 0)
			fail_msg("seed %llu op %u: sx_book_check = %d", (unsigned long long)seed, op,
				 rc);
		assert_int_equal(best_price(&p, &b, SX_BUY), ref_best(r, SX_BUY));
		assert_int_equal(best_price(&p, &b, SX_SELL), ref_best(r, SX_SELL));
		assert_int_equal(b.norders[SX_BUY] + b.norders[SX_SELL], nresting);
		assert_int_equal(p.orders_used, nresting);
		assert_int_equal(p.levels_used, b.nlevels[SX_BUY] + b.nlevels[SX_SELL]);
		/* the touched price's level matches the reference */
		uint32_t lv = sx_book_find(&p, &b, ts, r->price[ti]);
		if (r->count[ts][ti] == 0) {
			assert_int_equal(lv, SX_NIL);
		} else {
			assert_int_not_equal(lv, SX_NIL);
			assert_int_equal(p.levels[lv].price, r->price[ti]);
			assert_int_equal(p.levels[lv].total, r->total[ts][ti]);
			assert_int_equal(p.levels[lv].count, r->count[ts][ti]);
		}
		if (op % 500 == 0) {
			ref_check_all(&p, &b, r, op);
			check_fifo(&p, &b);
			assert_int_equal(sx_book_check_slots(&b), 0);
		}
	}
	ref_check_all(&p, &b, r, 100000);
	check_fifo(&p, &b);
	while (nresting) {
		uint32_t h = resting[--nresting];
		sx_book_remove(&p, &b, h);
		sx_order_release(&p, h);
	}
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(sx_book_check_slots(&b), 0);
	assert_int_equal(p.levels_used, 0);
	assert_int_equal(p.orders_used, 0);
	assert_int_equal(b.best[SX_BUY], SX_NIL);
	assert_int_equal(b.best[SX_SELL], SX_NIL);
	sx_book_free(&b);
	sx_pools_free(&p);
}

static void test_randomized(void **state)
{
	(void)state;
	static struct ref r;
	/* a few hundred consecutive prices */
	for (int i = 0; i < NPRICES; i++)
		r.price[i] = 10000 + i;
	run_random(&r, 20240601, 800);
	/* the same, with a small book whose sides empty often */
	run_random(&r, 7, 6);
	/* prices spread far apart (quadratic gaps up to ~90M ticks) */
	for (int i = 0; i < NPRICES; i++)
		r.price[i] = 100 + (int64_t)i * i * 1000;
	run_random(&r, 99, 800);
	run_random(&r, 5, 6);
	/* half near, half far */
	for (int i = 0; i < NPRICES; i++)
		r.price[i] = i < NPRICES / 2 ? 50000 + i : 50000 + (int64_t)i * 40000;
	run_random(&r, 31337, 800);
}

/* sx_book_check notices corruption (so the randomized run can fail). */
static void test_check_detects(void **state)
{
	(void)state;
	struct sx_pools p;
	struct sx_book b;
	assert_int_equal(sx_pools_init(&p, 8, 8), 0);
	assert_int_equal(sx_book_init(&b), 0);
	uint32_t a = add(&p, &b, 1, SX_BUY, 100, 5);
	add(&p, &b, 2, SX_BUY, 99, 5);
	add(&p, &b, 3, SX_SELL, 101, 5);
	uint32_t lv = p.orders[a].level;
	p.levels[lv].total += 1;
	assert_true(sx_book_check(&p, &b) < 0);
	p.levels[lv].total -= 1;
	assert_int_equal(sx_book_check(&p, &b), 0);
	uint32_t best = b.best[SX_BUY];
	b.best[SX_BUY] = sx_book_worse(&p, &b, best, SX_BUY);
	assert_true(sx_book_check(&p, &b) < 0);
	b.best[SX_BUY] = best;
	p.orders[a].remaining = 0;
	assert_true(sx_book_check(&p, &b) < 0);
	p.orders[a].remaining = 5;
	assert_int_equal(sx_book_check(&p, &b), 0);
	/* a ladder slot without its bit, and a bit without its slot */
	assert_int_equal(sx_book_check_slots(&b), 0);
	struct sx_ladder *l = &b.lad[SX_BUY];
	uint32_t i = (uint32_t)(100 - l->base);
	assert_true(i < SX_LADDER_W);
	assert_int_equal(l->slot[i], lv);
	l->slot[i + 5] = lv;
	assert_true(sx_book_check_slots(&b) < 0);
	l->slot[i + 5] = SX_NIL;
	l->slot[i] = SX_NIL;
	assert_true(sx_book_check(&p, &b) < 0);
	l->slot[i] = lv;
	assert_int_equal(sx_book_check(&p, &b), 0);
	assert_int_equal(sx_book_check_slots(&b), 0);
	sx_book_free(&b);
	sx_pools_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_fifo_and_totals),
		cmocka_unit_test(test_best_and_levels),
		cmocka_unit_test(test_tree_shapes),
		cmocka_unit_test(test_randomized),
		cmocka_unit_test(test_check_detects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
