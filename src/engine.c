/*
 * engine.c - the deterministic state machine for spot markets
 * (spec/semantics.md §1-3, §5): validation, matching, locking, fees,
 * self-trade prevention, amends and queries.
 *
 * Every command is validated completely before anything changes; then it is
 * applied and its records are emitted: account, events, balance events (one
 * per changed (account, asset), in order of first change), items, reply.
 *
 * Invariants (checked by sx_engine_validate in tests): no crossed book; each
 * resting buy locks exactly need(price, remaining) of quote, each resting
 * sell remaining * lot_units of base; locked balances equal the sum of their
 * orders' locks; per asset, all balances sum to the supply.
 *
 * Owned by one thread. No allocation, syscall, lock or floating point after
 * sx_engine_create.
 */
#include "sequex/engine.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sequex/account.h"
#include "sequex/book.h"
#include "sequex/hashmap.h"

struct sx_engine {
	const struct sx_config *cfg;
	struct sx_sink *sink;
	struct sx_accounts acc;
	struct sx_pools pools;
	struct sx_hmap order_ids; /* order id -> handle, resting orders */
	struct sx_hmap coids;     /* hash(account, clientOrderId) -> handle, resting */
	uint32_t max_resting;
	uint64_t next_order_id, next_trade_id;
	uint64_t seq, clock;
	const struct sx_cmd *cmd;
	uint32_t new_acct; /* account created by this command, not yet committed */
	__int128 supply[SX_MAX_ASSETS];
	struct sx_book books[SX_MAX_MARKETS];
};

enum match_end { MATCH_DONE = 0, MATCH_STP_TAKER, MATCH_NO_FUNDS };

/* ------------------------------------------------------------------ */
/* arithmetic                                                          */

typedef __int128 i128;

#define HOT static inline __attribute__((always_inline))

/* quote minor units of price x qty */
static inline i128 notional128(const struct sx_market_cfg *m, int64_t price, int64_t qty)
{
	return (i128)price * qty * m->unit;
}

static inline int64_t fee_of(int64_t notional, uint32_t bps)
{
	if (bps == 0)
		return 0;
	if (notional <= INT64_MAX / SX_BPS_MAX) /* the common case: no 128-bit division */
		return notional * (int64_t)bps / SX_BPS_MAX;
	return (int64_t)((i128)notional * bps / SX_BPS_MAX);
}

static inline uint32_t max_fee_bps(const struct sx_market_cfg *m)
{
	return m->maker_fee_bps > m->taker_fee_bps ? m->maker_fee_bps : m->taker_fee_bps;
}

/* Quote minor units of price x qty, or -1 when it does not fit an int64. */
static inline int64_t notional_of(const struct sx_market_cfg *m, int64_t price, int64_t qty)
{
	int64_t n;
	if (__builtin_mul_overflow(price, qty, &n) || __builtin_mul_overflow(n, m->unit, &n))
		return -1;
	return n;
}

/* A notional (or -1) plus its fee reserve at the higher of the maker and
 * taker rates, or -1 when that does not fit an int64. */
static inline int64_t with_reserve(const struct sx_market_cfg *m, int64_t n)
{
	int64_t need;
	if (n < 0 || __builtin_add_overflow(n, fee_of(n, max_fee_bps(m)), &need))
		return -1;
	return need;
}

/* What a buy at price for qty must hold (or -1). */
static int64_t buy_need(const struct sx_market_cfg *m, int64_t price, int64_t qty)
{
	return with_reserve(m, notional_of(m, price, qty));
}

static inline int64_t base_units(const struct sx_market_cfg *m, int64_t qty)
{
	int64_t v;
	return __builtin_mul_overflow(qty, m->lot_units, &v) ? -1 : v;
}

/* What a resting order must lock. */
static int64_t order_need(const struct sx_market_cfg *m, const struct sx_order *o,
			  int64_t remaining)
{
	return o->side == SX_BUY ? buy_need(m, o->price, remaining) : base_units(m, remaining);
}

/* ------------------------------------------------------------------ */
/* output                                                              */

/* Zero a record with plain vector stores: GCC turns a memset of it into
 * `rep stos`, whose start-up costs more than the whole record. */
HOT void zero_record(struct sx_out *r)
{
#if defined(__SSE2__)
	_Static_assert(sizeof(*r) == 128, "eight 16-byte stores");
	/* written out: GCC turns even a loop of these back into `rep stos` */
	__m128i z = _mm_setzero_si128();
	__m128i *p = (__m128i *)(void *)r;
	_mm_storeu_si128(p + 0, z);
	_mm_storeu_si128(p + 1, z);
	_mm_storeu_si128(p + 2, z);
	_mm_storeu_si128(p + 3, z);
	_mm_storeu_si128(p + 4, z);
	_mm_storeu_si128(p + 5, z);
	_mm_storeu_si128(p + 6, z);
	_mm_storeu_si128(p + 7, z);
#else
	memset(r, 0, sizeof(*r));
#endif
}

/* The next output record, zeroed, written in place in the sink's buffer. */
HOT struct sx_out *rec_new(struct sx_engine *e)
{
	struct sx_sink *k = e->sink;
	struct sx_out *r = &k->buf[k->n];
	zero_record(r);
	return r;
}

/* The record from rec_new is complete; hand the buffer over when full. */
HOT void rec_done(struct sx_engine *e, struct sx_out *r, enum sx_out_kind kind)
{
	struct sx_sink *k = e->sink;
	r->kind = (uint8_t)kind;
	r->seq = e->seq;
	r->ts = e->clock;
	if (++k->n == k->cap) {
		k->flush(k);
		SX_ASSERT(k->n < k->cap);
	}
}

HOT void order_view(const struct sx_engine *e, uint32_t h, enum sx_status st,
		       struct sx_order_view *restrict v)
{
	const struct sx_order *o = &e->pools.orders[h];
	v->id = o->id;
	v->price = o->price;
	v->qty = o->filled + o->remaining;
	v->filled = o->filled;
	v->remaining = (st == SX_ST_OPEN || st == SX_ST_PARTIALLY_FILLED) ? o->remaining : 0;
	v->user = o->user;
	v->market = o->market;
	v->side = o->side;
	v->otype = o->otype;
	v->tif = o->tif;
	v->status = (uint8_t)st;
	v->coid_len = o->coid_len;
	if (o->coid_len) /* the record is zeroed; the id table is another cache line */
		memcpy(v->coid, e->pools.coids[h], SX_COID_MAX); /* zero past coid_len */
}

HOT void emit_order(struct sx_engine *e, uint32_t h, enum sx_status st,
		       enum sx_out_kind kind)
{
	struct sx_out *r = rec_new(e);
	order_view(e, h, st, &r->u.order);
	rec_done(e, r, kind);
}

static inline enum sx_status resting_status(const struct sx_order *o)
{
	return o->filled > 0 ? SX_ST_PARTIALLY_FILLED : SX_ST_OPEN;
}

HOT void flush_balances(struct sx_engine *e)
{
	struct sx_accounts *a = &e->acc;
	for (uint32_t i = 0; i < a->ntouched; i++) {
		const struct sx_touched *t = &a->touched[i];
		const struct sx_balance *b = sx_bal(a, t->account, t->asset);
		if (b->available == t->available0 && b->locked == t->locked0)
			continue;
		struct sx_out *r = rec_new(e);
		r->u.balance.account = t->account;
		r->u.balance.asset = t->asset;
		r->u.balance.available = b->available;
		r->u.balance.locked = b->locked;
		rec_done(e, r, SX_OUT_EV_BALANCE);
	}
	a->ntouched = 0;
}

HOT void reply_init(const struct sx_engine *e, struct sx_out *restrict r, uint32_t acct)
{
	const struct sx_cmd *c = e->cmd;
	r->u.reply.cmd_type = c->type;
	r->u.reply.reqid_len = c->reqid_len;
	if (c->reqid_len) /* whole array: zero past reqid_len (command.h) */
		memcpy(r->u.reply.reqid, c->reqid, SX_REQID_MAX);
	r->u.reply.account = acct;
}

/* Reject the command: nothing has changed; undo a tentative account. */
static void reject(struct sx_engine *e, enum sx_code code, enum sx_field field,
		   enum sx_detail detail, uint16_t asset, int64_t a, int64_t b)
{
	if (e->new_acct != SX_ACCT_NONE) {
		sx_accounts_drop_newest(&e->acc, e->new_acct);
		e->new_acct = SX_ACCT_NONE;
	}
	SX_ASSERT(e->acc.ntouched == 0);
	struct sx_out *r = rec_new(e);
	reply_init(e, r, SX_ACCT_NONE);
	r->u.reply.code = (uint8_t)code;
	r->u.reply.field = (uint8_t)field;
	r->u.reply.detail = (uint8_t)detail;
	r->u.reply.asset = asset;
	r->u.reply.a = a;
	r->u.reply.b = b;
	rec_done(e, r, SX_OUT_REPLY);
}

static void reject_funds(struct sx_engine *e, uint16_t asset, int64_t available, int64_t need)
{
	reject(e, SX_INSUFFICIENT_BALANCE, SX_F_NONE, SX_D_NONE, asset, available, need);
}

/* ------------------------------------------------------------------ */
/* accounts                                                            */

/*
 * The command's user: existing, or created tentatively (with its demo
 * credit visible to validation) and committed by accept(). Returns
 * SX_ACCT_NONE after rejecting the command: OVERLOADED when the account
 * pool is full, INVALID_NUMBER when the demo credit would take the asset's
 * supply past 64 bits (every balance is bounded by the supply, so no
 * balance can overflow).
 */
static uint32_t user_resolve(struct sx_engine *e)
{
	const struct sx_cmd *c = e->cmd;
	SX_ASSERT(c->user_len > 0 && c->user_len <= SX_USERID_MAX);
	uint32_t acct = sx_accounts_find(&e->acc, c->user_hash, c->user, c->user_len);
	if (acct != SX_ACCT_NONE)
		return acct;
	if (e->cfg->demo_balance > 0 &&
	    e->supply[e->cfg->demo_asset] > INT64_MAX - e->cfg->demo_balance) {
		reject(e, SX_INVALID_NUMBER, SX_F_NONE, SX_D_DEMO_SUPPLY, 0, 0, 0);
		return SX_ACCT_NONE;
	}
	acct = sx_accounts_create(&e->acc, c->user_hash, c->user, c->user_len);
	if (acct == SX_ACCT_NONE) {
		reject(e, SX_OVERLOADED, SX_F_USERID, SX_D_NONE, 0, 0, 0);
		return SX_ACCT_NONE;
	}
	e->new_acct = acct;
	if (e->cfg->demo_balance > 0)
		sx_bal(&e->acc, acct, e->cfg->demo_asset)->available = e->cfg->demo_balance;
	return acct;
}

/* The command is accepted: commit a tentative account first (its demo
 * credit is the command's first balance change). */
static void accept(struct sx_engine *e)
{
	uint32_t acct = e->new_acct;
	if (acct == SX_ACCT_NONE)
		return;
	e->new_acct = SX_ACCT_NONE;
	struct sx_out *r = rec_new(e);
	r->u.account.account = acct;
	r->u.account.len = e->acc.name_len[acct];
	memcpy(r->u.account.name, e->acc.name[acct], r->u.account.len);
	rec_done(e, r, SX_OUT_ACCOUNT);
	int64_t demo = e->cfg->demo_balance;
	if (demo > 0) {
		struct sx_balance *b = sx_bal_touch(&e->acc, acct, e->cfg->demo_asset);
		e->acc.touched[e->acc.ntouched - 1].available0 = 0; /* credited just now */
		SX_ASSERT(b->available == demo);
		e->supply[e->cfg->demo_asset] += demo;
	}
}

static void user_list_add(struct sx_engine *e, uint32_t h)
{
	struct sx_ulink *ul = e->pools.ulinks;
	uint32_t u = e->pools.orders[h].user;
	ul[h].next = SX_NIL;
	ul[h].prev = e->acc.olast[u];
	if (ul[h].prev != SX_NIL)
		ul[ul[h].prev].next = h;
	else
		e->acc.ofirst[u] = h;
	e->acc.olast[u] = h;
}

static void user_list_remove(struct sx_engine *e, uint32_t h)
{
	struct sx_ulink *ul = e->pools.ulinks;
	uint32_t u = e->pools.orders[h].user;
	if (ul[h].prev != SX_NIL)
		ul[ul[h].prev].next = ul[h].next;
	else
		e->acc.ofirst[u] = ul[h].next;
	if (ul[h].next != SX_NIL)
		ul[ul[h].next].prev = ul[h].prev;
	else
		e->acc.olast[u] = ul[h].prev;
	ul[h].prev = ul[h].next = SX_NIL;
}

/* ------------------------------------------------------------------ */
/* order lookup                                                        */

/* Equality of two short byte strings without a libc call. */
HOT bool same_bytes(const char *x, const char *y, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t a, b;
		memcpy(&a, x + i, 8);
		memcpy(&b, y + i, 8);
		if (a != b)
			return false;
	}
	for (; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static inline uint64_t coid_key(uint32_t acct, const char *coid, size_t len)
{
	uint64_t k = XXH3_64bits_withSeed(coid, len, acct);
	return k ? k : 1;
}

static uint32_t coid_find(const struct sx_engine *e, uint32_t acct, const char *coid,
			  size_t len)
{
	uint64_t k = coid_key(acct, coid, len);
	const struct sx_hmap *m = &e->coids;
	for (uint64_t i = sx_hmap_first(m, k); i != SX_HMAP_END; i = sx_hmap_after(m, k, i)) {
		uint32_t h = m->slots[i].val;
		const struct sx_order *o = &e->pools.orders[h];
		if (o->user == acct && o->coid_len == len &&
		    memcmp(e->pools.coids[h], coid, len) == 0)
			return h;
	}
	return SX_NIL;
}

/*
 * The command's resting order in market by its reference, or SX_NIL
 * (another user's order looks unknown). By engine id, the owner is checked
 * against the command's user without a user lookup.
 */
HOT uint32_t order_find(const struct sx_engine *e, uint16_t market,
			   const struct sx_order_ref *ref)
{
	const struct sx_cmd *c = e->cmd;
	uint32_t h;
	if (ref->order_id != 0) {
		h = sx_hmap_get(&e->order_ids, ref->order_id);
		if (h == SX_NIL)
			return SX_NIL;
		const struct sx_order *o = &e->pools.orders[h];
		uint32_t u = o->user;
		const struct sx_accounts *a = &e->acc;
		if (a->hash[u] != c->user_hash || a->name_len[u] != c->user_len ||
		    !same_bytes(a->name[u], c->user, c->user_len))
			return SX_NIL;
	} else {
		uint32_t acct = sx_accounts_find(&e->acc, c->user_hash, c->user, c->user_len);
		if (acct == SX_ACCT_NONE)
			return SX_NIL;
		h = coid_find(e, acct, ref->coid, ref->coid_len);
		if (h == SX_NIL)
			return SX_NIL;
	}
	return e->pools.orders[h].market == market ? h : SX_NIL;
}

/* Put a new order on the book with its indexes. */
static void order_rest(struct sx_engine *e, uint32_t h)
{
	struct sx_order *o = &e->pools.orders[h];
	sx_book_add(&e->pools, &e->books[o->market], h);
	user_list_add(e, h);
	sx_hmap_insert(&e->order_ids, o->id, h);
	if (o->coid_len)
		sx_hmap_insert(&e->coids, coid_key(o->user, e->pools.coids[h], o->coid_len), h);
}

/* Take a finished resting order off the book and out of every index. */
static void order_retire(struct sx_engine *e, uint32_t h)
{
	struct sx_order *o = &e->pools.orders[h];
	if (o->level != SX_NIL)
		sx_book_remove(&e->pools, &e->books[o->market], h);
	user_list_remove(e, h);
	bool ok = sx_hmap_remove(&e->order_ids, o->id, h);
	SX_ASSERT(ok);
	if (o->coid_len) {
		ok = sx_hmap_remove(&e->coids, coid_key(o->user, e->pools.coids[h], o->coid_len), h);
		SX_ASSERT(ok);
	}
	sx_order_release(&e->pools, h);
}

/* Return an order's whole lock to available. */
static void unlock_all(struct sx_engine *e, struct sx_order *o)
{
	if (o->locked == 0)
		return;
	const struct sx_market_cfg *m = &e->cfg->markets[o->market];
	uint16_t asset = o->side == SX_BUY ? m->quote : m->base;
	struct sx_balance *b = sx_bal_touch(&e->acc, o->user, asset);
	SX_ASSERT(b->locked >= o->locked);
	b->locked -= o->locked;
	b->available += o->locked;
	o->locked = 0;
}

/* Move an order's lock to `need` (from or to available). */
HOT void relock(struct sx_engine *e, struct sx_order *o, int64_t need)
{
	const struct sx_market_cfg *m = &e->cfg->markets[o->market];
	uint16_t asset = o->side == SX_BUY ? m->quote : m->base;
	int64_t delta = need - o->locked;
	if (delta == 0)
		return;
	struct sx_balance *b = sx_bal_touch(&e->acc, o->user, asset);
	SX_ASSERT(b->available >= delta && b->locked >= -delta);
	b->available -= delta;
	b->locked += delta;
	o->locked = need;
}

/* Cancel a resting order (owner's request, amend to zero, or STP). */
static void cancel_resting(struct sx_engine *e, uint32_t h)
{
	struct sx_order *o = &e->pools.orders[h];
	unlock_all(e, o);
	emit_order(e, h, SX_ST_CANCELLED, SX_OUT_EV_ORDER);
	order_retire(e, h);
}

/* ------------------------------------------------------------------ */
/* matching                                                            */

static inline bool crosses(enum sx_side taker_side, int64_t level_price, int64_t limit)
{
	return taker_side == SX_BUY ? level_price <= limit : level_price >= limit;
}

/* Lots of the taker's market buy affordable at price from available quote. */
static int64_t affordable_lots(const struct sx_engine *e, const struct sx_order *t,
			       int64_t price, int64_t want)
{
	const struct sx_market_cfg *m = &e->cfg->markets[t->market];
	int64_t avail = e->acc.bal[(uint64_t)t->user * e->acc.nassets + m->quote].available;
	i128 per_lot = (i128)price * m->unit;
	uint32_t bps = m->taker_fee_bps;
	/* lower bound ignoring the floor of the fee, then step up */
	i128 q = (i128)avail * SX_BPS_MAX / (per_lot * (SX_BPS_MAX + bps));
	if (q > want)
		q = want;
	for (;;) {
		if (q >= want)
			break;
		i128 n = per_lot * (q + 1);
		if (n + n * bps / SX_BPS_MAX > avail)
			break;
		q++;
	}
	while (q > 0) {
		i128 n = per_lot * q;
		if (n + n * bps / SX_BPS_MAX <= avail)
			break;
		q--;
	}
	return (int64_t)q;
}

/* Settle the buyer's side of a fill of qty at price (notional n, fee f). */
static void settle_buyer(struct sx_engine *e, struct sx_order *o, int64_t qty,
			 int64_t n, int64_t f)
{
	const struct sx_market_cfg *m = &e->cfg->markets[o->market];
	struct sx_balance *qb = sx_bal_touch(&e->acc, o->user, m->quote);
	int64_t cost = n + f;
	if (o->otype == SX_MARKET) {
		SX_ASSERT(qb->available >= cost);
		qb->available -= cost;
	} else {
		int64_t new_need = buy_need(m, o->price, o->remaining - qty);
		int64_t release = o->locked - cost - new_need;
		SX_ASSERT(new_need >= 0 && release >= 0);
		qb->locked -= o->locked - new_need;
		qb->available += release;
		o->locked = new_need;
	}
	struct sx_balance *bb = sx_bal_touch(&e->acc, o->user, m->base);
	bb->available += qty * m->lot_units;
}

static void settle_seller(struct sx_engine *e, struct sx_order *o, int64_t qty,
			  int64_t n, int64_t f)
{
	const struct sx_market_cfg *m = &e->cfg->markets[o->market];
	int64_t base = qty * m->lot_units;
	struct sx_balance *bb = sx_bal_touch(&e->acc, o->user, m->base);
	if (o->otype == SX_MARKET) {
		SX_ASSERT(bb->available >= base);
		bb->available -= base;
	} else {
		SX_ASSERT(bb->locked >= base && o->locked >= base);
		bb->locked -= base;
		o->locked -= base;
	}
	struct sx_balance *qb = sx_bal_touch(&e->acc, o->user, m->quote);
	qb->available += n - f;
}

/* One fill between taker th and resting maker mh at the maker's price. */
static void fill(struct sx_engine *e, uint32_t th, uint32_t mh, int64_t qty)
{
	struct sx_order *t = &e->pools.orders[th];
	struct sx_order *mk = &e->pools.orders[mh];
	const struct sx_market_cfg *m = &e->cfg->markets[t->market];
	int64_t price = mk->price;
	int64_t n;
	SX_ASSERT(!__builtin_mul_overflow(price, qty, &n) && !__builtin_mul_overflow(n, m->unit, &n));
	int64_t maker_fee = fee_of(n, m->maker_fee_bps);
	int64_t taker_fee = fee_of(n, m->taker_fee_bps);
	if (t->side == SX_BUY) {
		settle_buyer(e, t, qty, n, taker_fee);
		settle_seller(e, mk, qty, n, maker_fee);
	} else {
		settle_buyer(e, mk, qty, n, maker_fee);
		settle_seller(e, t, qty, n, taker_fee);
	}
	if (maker_fee + taker_fee > 0)
		sx_bal_touch(&e->acc, SX_ACCT_FEES, m->quote)->available += maker_fee + taker_fee;
	t->remaining -= qty;
	t->filled += qty;
	sx_book_reduce(&e->pools, mh, qty);
	mk->filled += qty;

	struct sx_out *r = rec_new(e);
	struct sx_trade_view *tv = &r->u.trade;
	tv->trade_id = e->next_trade_id++;
	tv->maker_order = mk->id;
	tv->taker_order = t->id;
	tv->price = price;
	tv->qty = qty;
	tv->maker_fee = maker_fee;
	tv->taker_fee = taker_fee;
	tv->maker_user = mk->user;
	tv->taker_user = t->user;
	tv->market = t->market;
	tv->taker_side = t->side;
	rec_done(e, r, SX_OUT_EV_TRADE);

	if (mk->remaining == 0) {
		SX_ASSERT(mk->locked == 0);
		emit_order(e, mh, SX_ST_FILLED, SX_OUT_EV_ORDER);
		order_retire(e, mh);
	} else {
		emit_order(e, mh, SX_ST_PARTIALLY_FILLED, SX_OUT_EV_ORDER);
	}
}

/*
 * Match taker th (not resting) against the opposite side while it crosses
 * limit. Market buys stop when the next lot is unaffordable.
 */
static enum match_end match(struct sx_engine *e, uint32_t th, int64_t limit)
{
	struct sx_pools *p = &e->pools;
	struct sx_order *t = &p->orders[th];
	enum sx_side side = (enum sx_side)t->side;
	int opp = side == SX_BUY ? SX_SELL : SX_BUY;
	struct sx_book *b = &e->books[t->market];
	bool market_buy = t->otype == SX_MARKET && side == SX_BUY;
	while (t->remaining > 0) {
		uint32_t lv = b->best[opp];
		if (lv == SX_NIL || !crosses(side, p->levels[lv].price, limit))
			return MATCH_DONE;
		uint32_t mh = p->levels[lv].head;
		while (mh != SX_NIL && t->remaining > 0) {
			uint32_t next = p->orders[mh].next;
			struct sx_order *mk = &p->orders[mh];
			if (mk->user == t->user) {
				if (t->stp == SX_STP_CANCEL_TAKER)
					return MATCH_STP_TAKER;
				cancel_resting(e, mh);
				mh = next;
				continue;
			}
			int64_t q = t->remaining < mk->remaining ? t->remaining : mk->remaining;
			if (market_buy) {
				int64_t can = affordable_lots(e, t, mk->price, q);
				if (can == 0)
					return MATCH_NO_FUNDS;
				if (can < q) {
					/* out of funds part-way through this maker: stop here, so
					 * no later order at this price trades before it */
					fill(e, th, mh, can);
					return MATCH_NO_FUNDS;
				}
			}
			fill(e, th, mh, q);
			mh = next;
		}
	}
	return MATCH_DONE;
}

/* Can a FOK taker fill completely now, from other users' liquidity? */
static bool fok_fillable(const struct sx_engine *e, const struct sx_order *t, int64_t limit)
{
	const struct sx_pools *p = &e->pools;
	enum sx_side side = (enum sx_side)t->side;
	int opp = side == SX_BUY ? SX_SELL : SX_BUY;
	int64_t need = t->remaining;
	for (uint32_t lv = e->books[t->market].best[opp];
	     lv != SX_NIL && crosses(side, p->levels[lv].price, limit);
	     lv = sx_book_worse(p, &e->books[t->market], lv, (enum sx_side)opp)) {
		for (uint32_t h = p->levels[lv].head; h != SX_NIL; h = p->orders[h].next) {
			const struct sx_order *mk = &p->orders[h];
			if (mk->user == t->user) {
				if (t->stp == SX_STP_CANCEL_TAKER)
					return false;
				continue;
			}
			need -= mk->remaining;
			if (need <= 0)
				return true;
		}
	}
	return false;
}

static bool book_would_cross(const struct sx_engine *e, uint16_t market, enum sx_side side,
			     int64_t price)
{
	int opp = side == SX_BUY ? SX_SELL : SX_BUY;
	uint32_t lv = e->books[market].best[opp];
	return lv != SX_NIL && crosses(side, e->pools.levels[lv].price, price);
}

/* Market order protection price from the best opposite price. */
static int64_t protection_price(int64_t best, enum sx_side side, uint32_t bps)
{
	if (side == SX_BUY) {
		i128 v = (i128)best * (SX_BPS_MAX + bps) / SX_BPS_MAX;
		return v > INT64_MAX ? INT64_MAX : (int64_t)v;
	}
	i128 num = (i128)best * (SX_BPS_MAX - bps);
	return (int64_t)((num + SX_BPS_MAX - 1) / SX_BPS_MAX);
}

/* ------------------------------------------------------------------ */
/* command handlers                                                    */

/*
 * Reply to an order command. PLACE/CANCEL/AMEND already emitted the
 * order's final state as its last SX_OUT_EV_ORDER, which the encoder uses
 * (reply.a = the order id); GET_ORDER emits it as an SX_OUT_IT_ORDER.
 */
HOT void reply_order(struct sx_engine *e, uint32_t h, enum sx_status st)
{
	flush_balances(e);
	if (e->cmd->type == SX_CMD_GET_ORDER)
		emit_order(e, h, st, SX_OUT_IT_ORDER);
	struct sx_out *r = rec_new(e);
	reply_init(e, r, e->pools.orders[h].user);
	r->u.reply.market = e->pools.orders[h].market;
	r->u.reply.a = (int64_t)e->pools.orders[h].id;
	rec_done(e, r, SX_OUT_REPLY);
}

/*
 * After matching: rest the remainder or finish the order; emit the
 * taker's order event and the reply. `resting` tells whether the order is
 * already indexed (an amended order) or new.
 */
static void taker_finish(struct sx_engine *e, uint32_t h, enum match_end end, bool indexed)
{
	struct sx_order *o = &e->pools.orders[h];
	const struct sx_market_cfg *m = &e->cfg->markets[o->market];
	enum sx_status st;
	bool rests = false;
	if (end == MATCH_STP_TAKER) {
		st = SX_ST_CANCELLED;
	} else if (o->remaining == 0) {
		st = SX_ST_FILLED;
	} else if (o->otype == SX_MARKET || o->tif == SX_IOC || o->tif == SX_FOK) {
		st = SX_ST_EXPIRED;
	} else {
		st = resting_status(o);
		rests = true;
	}
	if (rests) {
		/* debug builds only: the lock is recomputed; sx_engine_validate checks it too */
		assert(o->locked == order_need(m, o, o->remaining));
		(void)m;
		if (indexed)
			sx_book_add(&e->pools, &e->books[o->market], h);
		else
			order_rest(e, h);
		emit_order(e, h, st, SX_OUT_EV_ORDER);
		reply_order(e, h, st);
		return;
	}
	unlock_all(e, o);
	emit_order(e, h, st, SX_OUT_EV_ORDER);
	reply_order(e, h, st);
	if (indexed) {
		order_retire(e, h);
	} else {
		sx_order_release(&e->pools, h);
	}
}

static bool check_market(struct sx_engine *e, uint16_t market)
{
	if (market >= e->cfg->nmarkets) {
		reject(e, SX_UNKNOWN_MARKET, SX_F_MARKET, SX_D_UNKNOWN_VALUE, 0, 0, 0);
		return false;
	}
	return true;
}

/* The market and the order reference of CANCEL/AMEND/GET_ORDER, re-checked
 * for inputs that did not come through the JSON decoder. */
static bool check_order_cmd(struct sx_engine *e, const struct sx_cmd_order *c)
{
	if (!check_market(e, c->market))
		return false;
	if (c->ref.order_id == 0 && c->ref.coid_len == 0) {
		reject(e, SX_MISSING_FIELD, SX_F_ORDERID, SX_D_MISSING, 0, 0, 0);
		return false;
	}
	if (c->ref.order_id == 0 && c->ref.coid_len > SX_COID_MAX) {
		reject(e, SX_INVALID_COMMAND, SX_F_CLIENTORDERID, SX_D_TOO_LONG, 0, 0, 0);
		return false;
	}
	return true;
}

static void cmd_place(struct sx_engine *e)
{
	const struct sx_cmd_place *c = &e->cmd->u.place;
	if (!check_market(e, c->market))
		return;
	const struct sx_market_cfg *m = &e->cfg->markets[c->market];
	enum sx_side side = (enum sx_side)c->side;
	bool is_limit = c->otype == SX_LIMIT;
	if (c->side > SX_SELL)
		return reject(e, SX_INVALID_SIDE, SX_F_SIDE, SX_D_UNKNOWN_VALUE, 0, 0, 0);
	if (c->otype > SX_MARKET)
		return reject(e, SX_INVALID_ORDER_TYPE, SX_F_ORDERTYPE, SX_D_UNKNOWN_VALUE, 0, 0, 0);
	if (c->qty <= 0)
		return reject(e, SX_INVALID_QUANTITY, SX_F_QTY, SX_D_NOT_POSITIVE, 0, 0, 0);
	if (is_limit && c->price <= 0)
		return reject(e, SX_INVALID_PRICE, SX_F_PRICE, SX_D_NOT_POSITIVE, 0, 0, 0);
	if (c->tif > SX_POST_ONLY)
		return reject(e, SX_INVALID_TIF, SX_F_TIF, SX_D_UNKNOWN_VALUE, 0, 0, 0);
	if (c->slippage_bps > SX_BPS_MAX)
		return reject(e, SX_INVALID_NUMBER, SX_F_SLIPPAGE, SX_D_OUT_OF_RANGE, 0, 0, 0);
	if (c->stp > SX_STP_CANCEL_TAKER || c->coid_len > SX_COID_MAX)
		return reject(e, SX_INVALID_COMMAND, c->stp > SX_STP_CANCEL_TAKER ? SX_F_STP : SX_F_CLIENTORDERID,
			      SX_D_UNKNOWN_VALUE, 0, 0, 0);
	int64_t base = base_units(m, c->qty);
	/* what a fill of it can move must fit 64 bits: a buy's notional and fee
	 * reserve, a sell's notional (its fee comes out of it) */
	int64_t notional = is_limit ? notional_of(m, c->price, c->qty) : 0;
	int64_t need = side == SX_BUY ? (is_limit ? with_reserve(m, notional) : 0) : base;
	if (base < 0 || need < 0 || notional < 0)
		return reject(e, SX_INVALID_NUMBER, SX_F_QTY, SX_D_OVERFLOW, 0, 0, 0);

	uint32_t acct = user_resolve(e);
	if (acct == SX_ACCT_NONE)
		return;
	if (c->coid_len && coid_find(e, acct, c->coid, c->coid_len) != SX_NIL)
		return reject(e, SX_DUPLICATE_CLIENT_ORDER_ID, SX_F_CLIENTORDERID, SX_D_NONE, 0, 0, 0);

	int opp = side == SX_BUY ? SX_SELL : SX_BUY;
	uint32_t best_lv = e->books[c->market].best[opp];
	int64_t best = best_lv != SX_NIL ? e->pools.levels[best_lv].price : 0;
	if (side == SX_BUY) {
		int64_t avail = sx_bal(&e->acc, acct, m->quote)->available;
		if (is_limit && avail < need)
			return reject_funds(e, m->quote, avail, need);
		if (!is_limit && best_lv != SX_NIL) {
			i128 n = notional128(m, best, 1);
			i128 one_lot = n + n * m->taker_fee_bps / SX_BPS_MAX;
			int64_t one_taker = one_lot > INT64_MAX ? INT64_MAX : (int64_t)one_lot;
			if (avail < one_taker)
				return reject_funds(e, m->quote, avail, one_taker);
		}
	} else {
		int64_t avail = sx_bal(&e->acc, acct, m->base)->available;
		if (avail < base)
			return reject_funds(e, m->base, avail, base);
	}
	if (is_limit && c->tif == SX_POST_ONLY && book_would_cross(e, c->market, side, c->price))
		return reject(e, SX_WOULD_CROSS, SX_F_PRICE, SX_D_NONE, 0, 0, 0);
	/* a full order pool refuses only an order that would have to rest:
	 * one that fills completely now needs no slot */
	if (is_limit && (c->tif == SX_GTC || c->tif == SX_POST_ONLY) &&
	    e->pools.orders_used >= e->max_resting) {
		struct sx_order probe = {.remaining = c->qty, .user = acct, .market = c->market,
					 .side = c->side, .stp = c->stp};
		if (c->tif == SX_POST_ONLY || !fok_fillable(e, &probe, c->price))
			return reject(e, SX_OVERLOADED, SX_F_NONE, SX_D_NONE, 0, 0, 0);
	}

	/* accepted */
	accept(e);
	uint32_t h = sx_order_alloc(&e->pools);
	SX_ASSERT(h != SX_NIL); /* one spare slot beyond max_resting */
	struct sx_order *o = &e->pools.orders[h];
	o->id = e->next_order_id++;
	o->price = is_limit ? c->price : 0;
	o->remaining = c->qty;
	o->user = acct;
	o->market = c->market;
	o->side = c->side;
	o->otype = c->otype;
	o->tif = is_limit ? c->tif : SX_IOC;
	o->stp = c->stp;
	o->coid_len = c->coid_len;
	memcpy(e->pools.coids[h], c->coid, SX_COID_MAX); /* zero past coid_len (command.h) */

	int64_t limit;
	if (is_limit) {
		limit = c->price;
		if (c->tif == SX_FOK && !fok_fillable(e, o, limit)) {
			taker_finish(e, h, MATCH_DONE, false);
			return;
		}
		relock(e, o, need);
	} else {
		if (best_lv == SX_NIL) {
			taker_finish(e, h, MATCH_DONE, false);
			return;
		}
		uint32_t slip = c->has_slippage ? c->slippage_bps : m->market_slippage_bps;
		limit = protection_price(best, side, slip);
	}
	enum match_end end = match(e, h, limit);
	taker_finish(e, h, end, false);
}

static void cmd_cancel(struct sx_engine *e)
{
	const struct sx_cmd_order *c = &e->cmd->u.order;
	if (!check_order_cmd(e, c))
		return;
	uint32_t h = order_find(e, c->market, &c->ref);
	if (h == SX_NIL)
		return reject(e, SX_UNKNOWN_ORDER, SX_F_ORDERID, SX_D_NONE, 0, 0, 0);
	struct sx_order *o = &e->pools.orders[h];
	unlock_all(e, o);
	emit_order(e, h, SX_ST_CANCELLED, SX_OUT_EV_ORDER);
	reply_order(e, h, SX_ST_CANCELLED);
	order_retire(e, h);
}

static void cmd_amend(struct sx_engine *e)
{
	const struct sx_cmd_order *c = &e->cmd->u.order;
	if (!check_order_cmd(e, c))
		return;
	const struct sx_market_cfg *m = &e->cfg->markets[c->market];
	if (!c->has_qty && !c->has_price)
		return reject(e, SX_MISSING_FIELD, SX_F_QTY, SX_D_MISSING, 0, 0, 0);
	if (c->has_qty && c->qty < 0)
		return reject(e, SX_INVALID_QUANTITY, SX_F_QTY, SX_D_NEGATIVE, 0, 0, 0);
	if (c->has_price && c->price <= 0)
		return reject(e, SX_INVALID_PRICE, SX_F_PRICE, SX_D_NOT_POSITIVE, 0, 0, 0);
	uint32_t h = order_find(e, c->market, &c->ref);
	if (h == SX_NIL)
		return reject(e, SX_UNKNOWN_ORDER, SX_F_ORDERID, SX_D_NONE, 0, 0, 0);
	struct sx_order *o = &e->pools.orders[h];
	uint32_t acct = o->user;
	enum sx_side side = (enum sx_side)o->side;
	int64_t new_price = c->has_price ? c->price : o->price;
	int64_t new_rem = c->has_qty ? c->qty : o->remaining;

	if (new_rem == 0) {
		unlock_all(e, o);
		emit_order(e, h, SX_ST_CANCELLED, SX_OUT_EV_ORDER);
		reply_order(e, h, SX_ST_CANCELLED);
		order_retire(e, h);
		return;
	}
	int64_t base = base_units(m, new_rem);
	int64_t notional = notional_of(m, new_price, new_rem);
	int64_t need = side == SX_BUY ? with_reserve(m, notional) : base;
	if (base < 0 || need < 0 || notional < 0 || new_rem > INT64_MAX - o->filled)
		return reject(e, SX_INVALID_NUMBER, SX_F_QTY, SX_D_OVERFLOW, 0, 0, 0);
	bool keep = new_price == o->price && new_rem <= o->remaining;
	bool cross = !keep && book_would_cross(e, c->market, side, new_price);
	uint16_t asset = side == SX_BUY ? m->quote : m->base;
	int64_t avail = sx_bal(&e->acc, acct, asset)->available;
	if (need - o->locked > avail)
		return reject_funds(e, asset, avail, need - o->locked);
	if (cross && o->tif == SX_POST_ONLY)
		return reject(e, SX_WOULD_CROSS, SX_F_PRICE, SX_D_NONE, 0, 0, 0);

	if (keep) {
		if (new_rem < o->remaining)
			sx_book_reduce(&e->pools, h, o->remaining - new_rem);
		relock(e, o, need);
		emit_order(e, h, resting_status(o), SX_OUT_EV_ORDER);
		reply_order(e, h, resting_status(o));
		return;
	}
	/* loses priority: off the book, re-priced, matched if it crosses, rests at the tail */
	sx_book_remove(&e->pools, &e->books[o->market], h);
	o->price = new_price;
	o->remaining = new_rem;
	relock(e, o, need);
	enum match_end end = cross ? match(e, h, new_price) : MATCH_DONE;
	taker_finish(e, h, end, true);
}

static void cmd_get_order(struct sx_engine *e)
{
	const struct sx_cmd_order *c = &e->cmd->u.order;
	if (!check_order_cmd(e, c))
		return;
	uint32_t h = order_find(e, c->market, &c->ref);
	if (h == SX_NIL)
		return reject(e, SX_UNKNOWN_ORDER, SX_F_ORDERID, SX_D_NONE, 0, 0, 0);
	reply_order(e, h, resting_status(&e->pools.orders[h]));
}

static void cmd_funds(struct sx_engine *e, bool deposit)
{
	const struct sx_cmd_funds *c = &e->cmd->u.funds;
	if (c->asset >= e->cfg->nassets)
		return reject(e, SX_UNKNOWN_ASSET, SX_F_ASSET, SX_D_UNKNOWN_VALUE, 0, 0, 0);
	if (c->amount <= 0)
		return reject(e, SX_INVALID_AMOUNT, SX_F_AMOUNT, SX_D_NOT_POSITIVE, 0, 0, 0);
	uint32_t acct = user_resolve(e);
	if (acct == SX_ACCT_NONE)
		return;
	const struct sx_balance *b = sx_bal(&e->acc, acct, c->asset);
	if (deposit) {
		/* every balance of the asset must stay representable: cap the supply
		 * (including the demo credit of an account this command creates) */
		__int128 pending = e->new_acct != SX_ACCT_NONE && c->asset == e->cfg->demo_asset
					   ? e->cfg->demo_balance : 0;
		if (b->available > INT64_MAX - c->amount ||
		    e->supply[c->asset] + pending + c->amount > INT64_MAX)
			return reject(e, SX_INVALID_NUMBER, SX_F_AMOUNT, SX_D_SUPPLY_LIMIT, 0, 0, 0);
	} else if (b->available < c->amount) {
		return reject_funds(e, c->asset, b->available, c->amount);
	}
	accept(e);
	struct sx_balance *w = sx_bal_touch(&e->acc, acct, c->asset);
	if (deposit) {
		w->available += c->amount;
		e->supply[c->asset] += c->amount;
	} else {
		w->available -= c->amount;
		e->supply[c->asset] -= c->amount;
	}
	flush_balances(e);
	struct sx_out *r = rec_new(e);
	reply_init(e, r, acct);
	r->u.reply.asset = c->asset;
	r->u.reply.a = w->available;
	r->u.reply.b = w->locked;
	rec_done(e, r, SX_OUT_REPLY);
}

static void cmd_check_balance(struct sx_engine *e)
{
	uint32_t acct = user_resolve(e);
	if (acct == SX_ACCT_NONE)
		return;
	accept(e);
	flush_balances(e);
	for (uint16_t s = 0; s < e->cfg->nassets; s++) {
		const struct sx_balance *b = sx_bal(&e->acc, acct, s);
		struct sx_out *r = rec_new(e);
		r->u.balance.account = acct;
		r->u.balance.asset = s;
		r->u.balance.available = b->available;
		r->u.balance.locked = b->locked;
		rec_done(e, r, SX_OUT_IT_BALANCE);
	}
	struct sx_out *r = rec_new(e);
	reply_init(e, r, acct);
	rec_done(e, r, SX_OUT_REPLY);
}

static void cmd_check_open_orders(struct sx_engine *e)
{
	uint32_t acct = user_resolve(e);
	if (acct == SX_ACCT_NONE)
		return;
	accept(e);
	flush_balances(e);
	for (uint32_t h = e->acc.ofirst[acct]; h != SX_NIL; h = e->pools.ulinks[h].next)
		emit_order(e, h, resting_status(&e->pools.orders[h]), SX_OUT_IT_ORDER);
	struct sx_out *r = rec_new(e);
	reply_init(e, r, acct);
	rec_done(e, r, SX_OUT_REPLY);
}

static void cmd_depth(struct sx_engine *e)
{
	const struct sx_cmd_depth *c = &e->cmd->u.depth;
	if (!check_market(e, c->market))
		return;
	if (c->levels == 0 || c->levels > SX_DEPTH_LEVELS_MAX)
		return reject(e, SX_INVALID_NUMBER, SX_F_LEVELS, SX_D_OUT_OF_RANGE, 0, 0, 0);
	const struct sx_book *b = &e->books[c->market];
	for (int s = SX_BUY; s <= SX_SELL; s++) {
		uint32_t n = 0;
		for (uint32_t lv = b->best[s]; lv != SX_NIL && n < c->levels;
		     lv = sx_book_worse(&e->pools, b, lv, (enum sx_side)s), n++) {
			struct sx_out *r = rec_new(e);
			r->u.level.price = e->pools.levels[lv].price;
			r->u.level.qty = e->pools.levels[lv].total;
			r->u.level.market = c->market;
			r->u.level.side = (uint8_t)s;
			rec_done(e, r, SX_OUT_IT_LEVEL);
		}
	}
	struct sx_out *r = rec_new(e);
	reply_init(e, r, SX_ACCT_NONE);
	r->u.reply.market = c->market;
	rec_done(e, r, SX_OUT_REPLY);
}

static void cmd_quote(struct sx_engine *e)
{
	const struct sx_cmd_quote *c = &e->cmd->u.quote;
	if (!check_market(e, c->market))
		return;
	if (c->side > SX_SELL)
		return reject(e, SX_INVALID_SIDE, SX_F_SIDE, SX_D_UNKNOWN_VALUE, 0, 0, 0);
	if (c->qty <= 0)
		return reject(e, SX_INVALID_QUANTITY, SX_F_QTY, SX_D_NOT_POSITIVE, 0, 0, 0);
	const struct sx_market_cfg *m = &e->cfg->markets[c->market];
	const struct sx_pools *p = &e->pools;
	enum sx_side side = (enum sx_side)c->side;
	int opp = side == SX_BUY ? SX_SELL : SX_BUY;
	uint32_t lv = e->books[c->market].best[opp];
	int64_t want = c->qty, got = 0;
	i128 notional = 0, fee = 0;
	if (lv != SX_NIL) {
		int64_t limit = protection_price(p->levels[lv].price, side, m->market_slippage_bps);
		for (; lv != SX_NIL && got < want && crosses(side, p->levels[lv].price, limit);
		     lv = sx_book_worse(p, &e->books[c->market], lv, (enum sx_side)opp)) {
			for (uint32_t h = p->levels[lv].head; h != SX_NIL && got < want;
			     h = p->orders[h].next) {
				int64_t q = want - got < p->orders[h].remaining ? want - got
										: p->orders[h].remaining;
				i128 n = notional128(m, p->levels[lv].price, q);
				notional += n;
				fee += n * m->taker_fee_bps / SX_BPS_MAX;
				got += q;
			}
			if (notional > INT64_MAX)
				return reject(e, SX_INVALID_NUMBER, SX_F_QTY, SX_D_OVERFLOW, 0, 0, 0);
		}
	}
	struct sx_out *r = rec_new(e);
	reply_init(e, r, SX_ACCT_NONE);
	r->u.reply.market = c->market;
	r->u.reply.side = c->side;
	r->u.reply.a = got;
	r->u.reply.b = (int64_t)notional;
	r->u.reply.c = (int64_t)fee;
	rec_done(e, r, SX_OUT_REPLY);
}

static void cmd_rejected(struct sx_engine *e)
{
	const struct sx_reject *rj = &e->cmd->u.rej;
	struct sx_out *r = rec_new(e);
	reply_init(e, r, SX_ACCT_NONE);
	r->u.reply.code = rj->code != SX_OK ? rj->code : SX_INVALID_COMMAND;
	r->u.reply.field = rj->field;
	r->u.reply.detail = rj->detail;
	r->u.reply.orig_type = rj->orig_type;
	rec_done(e, r, SX_OUT_REPLY);
}

/* Apply one command without the final flush (the callers below flush). */
static inline void apply_one(struct sx_engine *e, uint64_t seq, const struct sx_cmd *cmd)
{
	SX_ASSERT(seq > e->seq);
	e->seq = seq;
	e->clock = cmd->ts;
	e->cmd = cmd;
	e->new_acct = SX_ACCT_NONE;
	sx_accounts_begin(&e->acc, seq);
	bool needs_user = cmd->type != SX_CMD_REJECTED && cmd->type != SX_CMD_GET_DEPTH &&
			  cmd->type != SX_CMD_QUOTE;
	if (needs_user && (cmd->user_len == 0 || cmd->user_len > SX_USERID_MAX)) {
		reject(e, cmd->user_len ? SX_INVALID_COMMAND : SX_MISSING_FIELD, SX_F_USERID,
		       cmd->user_len ? SX_D_TOO_LONG : SX_D_MISSING, 0, 0, 0);
	} else if (cmd->reqid_len > SX_REQID_MAX) {
		struct sx_cmd copy = *cmd;
		copy.reqid_len = 0;
		e->cmd = &copy;
		reject(e, SX_INVALID_COMMAND, SX_F_REQID, SX_D_TOO_LONG, 0, 0, 0);
	} else {
		switch (cmd->type) {
		case SX_CMD_REJECTED: cmd_rejected(e); break;
		case SX_CMD_DEPOSIT: cmd_funds(e, true); break;
		case SX_CMD_WITHDRAW: cmd_funds(e, false); break;
		case SX_CMD_PLACE_ORDER: cmd_place(e); break;
		case SX_CMD_CANCEL_ORDER: cmd_cancel(e); break;
		case SX_CMD_AMEND_ORDER: cmd_amend(e); break;
		case SX_CMD_CHECK_BALANCE: cmd_check_balance(e); break;
		case SX_CMD_CHECK_OPEN_ORDERS: cmd_check_open_orders(e); break;
		case SX_CMD_GET_ORDER: cmd_get_order(e); break;
		case SX_CMD_GET_DEPTH: cmd_depth(e); break;
		case SX_CMD_QUOTE: cmd_quote(e); break;
		default:
			reject(e, SX_UNKNOWN_TYPE, SX_F_TYPE, SX_D_UNKNOWN_VALUE, 0, 0, 0);
			break;
		}
	}
	SX_ASSERT(e->new_acct == SX_ACCT_NONE);
	e->cmd = NULL;
}

void sx_engine_apply(struct sx_engine *e, uint64_t seq, const struct sx_cmd *cmd)
{
	apply_one(e, seq, cmd);
	e->sink->flush(e->sink); /* the command is complete: its reply is the last record */
	SX_ASSERT(e->sink->n < e->sink->cap);
}

void sx_engine_apply_batch(struct sx_engine *e, uint64_t seq0, const struct sx_cmd *cmds,
			   size_t n)
{
	for (size_t i = 0; i < n; i++)
		apply_one(e, seq0 + i, &cmds[i]);
	if (e->sink->n) {
		e->sink->flush(e->sink);
		SX_ASSERT(e->sink->n < e->sink->cap);
	}
}

/* ------------------------------------------------------------------ */
/* lifecycle and read-only views                                       */

int sx_engine_create(const struct sx_config *cfg, struct sx_sink *sink,
		     struct sx_engine **out)
{
	if (!cfg || !sink || !sink->flush || !sink->buf || sink->cap < 2 || sink->n != 0 || cfg->nassets == 0 || cfg->nassets > SX_MAX_ASSETS ||
	    cfg->nmarkets > SX_MAX_MARKETS || cfg->max_orders == 0 || cfg->max_accounts == 0 ||
	    cfg->max_orders > UINT32_MAX / 4)
		return -EINVAL;
	struct sx_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = cfg;
	e->sink = sink;
	e->max_resting = cfg->max_orders;
	e->next_order_id = 1;
	e->next_trade_id = 1;
	uint64_t touched = 2ull * cfg->max_orders + 8;
	uint64_t pairs = ((uint64_t)cfg->max_accounts + SX_ACCT_FIRST_USER) * cfg->nassets;
	if (touched > pairs)
		touched = pairs;
	int rc = sx_accounts_init(&e->acc, cfg->max_accounts, cfg->nassets, (uint32_t)touched);
	if (rc == 0)
		rc = sx_pools_init(&e->pools, cfg->max_orders + 1, cfg->max_orders + 1);
	if (rc == 0)
		rc = sx_hmap_init(&e->order_ids, cfg->max_orders + 1);
	if (rc == 0)
		rc = sx_hmap_init(&e->coids, cfg->max_orders + 1);
	if (rc != 0) {
		sx_engine_destroy(e);
		return rc;
	}
	for (uint16_t i = 0; i < cfg->nmarkets; i++) {
		rc = sx_book_init(&e->books[i]);
		if (rc != 0) {
			sx_engine_destroy(e);
			return rc;
		}
	}
	e->new_acct = SX_ACCT_NONE;
	*out = e;
	return 0;
}

void sx_engine_destroy(struct sx_engine *e)
{
	if (!e)
		return;
	sx_accounts_free(&e->acc);
	sx_pools_free(&e->pools);
	for (uint16_t i = 0; i < e->cfg->nmarkets; i++)
		sx_book_free(&e->books[i]);
	if (e->order_ids.slots)
		sx_hmap_free(&e->order_ids);
	if (e->coids.slots)
		sx_hmap_free(&e->coids);
	free(e);
}

/* ------------------------------------------------------------------ */
/* validation                                                          */

__attribute__((format(printf, 3, 4))) static int broken(char *msg, size_t cap,
							 const char *fmt, ...)
{
	if (msg && cap) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, cap, fmt, ap);
		va_end(ap);
	}
	return -EUCLEAN;
}

int sx_engine_validate(const struct sx_engine *e, char *msg, size_t cap)
{
	const struct sx_accounts *a = &e->acc;
	const struct sx_pools *p = &e->pools;
	uint16_t na = a->nassets;
	size_t nbal = (size_t)a->n * na;
	i128 *locks = calloc(nbal ? nbal : 1, sizeof(*locks));
	uint32_t *per_user = calloc(a->n ? a->n : 1, sizeof(*per_user));
	if (!locks || !per_user) {
		free(locks);
		free(per_user);
		return -ENOMEM;
	}
	int rc = 0;
	uint32_t resting = 0, levels = 0;
	for (uint16_t mi = 0; mi < e->cfg->nmarkets && rc == 0; mi++) {
		const struct sx_book *b = &e->books[mi];
		const struct sx_market_cfg *m = &e->cfg->markets[mi];
		int r = sx_book_check(p, b);
		if (r != 0) {
			rc = broken(msg, cap, "market %s: book structure check failed at book.c:%d",
				    m->name, -r);
			break;
		}
		if (b->best[SX_BUY] != SX_NIL && b->best[SX_SELL] != SX_NIL &&
		    p->levels[b->best[SX_BUY]].price >= p->levels[b->best[SX_SELL]].price) {
			rc = broken(msg, cap, "market %s: crossed book (bid %lld >= ask %lld)", m->name,
				    (long long)p->levels[b->best[SX_BUY]].price,
				    (long long)p->levels[b->best[SX_SELL]].price);
			break;
		}
		levels += b->nlevels[0] + b->nlevels[1];
		for (int s = 0; s < 2 && rc == 0; s++) {
			for (uint32_t lv = b->best[s]; lv != SX_NIL && rc == 0;
			     lv = sx_book_worse(p, b, lv, (enum sx_side)s)) {
				for (uint32_t h = p->levels[lv].head; h != SX_NIL; h = p->orders[h].next) {
					const struct sx_order *o = &p->orders[h];
					resting++;
					if (o->market != mi || o->user < SX_ACCT_FIRST_USER || o->user >= a->n) {
						rc = broken(msg, cap, "order %llu: bad market or owner",
							    (unsigned long long)o->id);
						break;
					}
					int64_t need = order_need(m, o, o->remaining);
					if (o->locked != need) {
						rc = broken(msg, cap, "order %llu locks %lld, needs %lld",
							    (unsigned long long)o->id, (long long)o->locked,
							    (long long)need);
						break;
					}
					uint16_t asset = o->side == SX_BUY ? m->quote : m->base;
					locks[(size_t)o->user * na + asset] += o->locked;
					per_user[o->user]++;
					if (sx_hmap_get(&e->order_ids, o->id) != h) {
						rc = broken(msg, cap, "order %llu missing from the id index",
							    (unsigned long long)o->id);
						break;
					}
					if (o->coid_len &&
					    coid_find(e, o->user, p->coids[h], o->coid_len) != h) {
						rc = broken(msg, cap, "order %llu missing from the client-id index",
							    (unsigned long long)o->id);
						break;
					}
					if (o->id == 0 || o->id >= e->next_order_id) {
						rc = broken(msg, cap, "order id %llu out of range",
							    (unsigned long long)o->id);
						break;
					}
				}
			}
		}
	}
	if (rc == 0 && (resting != e->order_ids.count || resting != p->orders_used ||
			levels != p->levels_used))
		rc = broken(msg, cap,
			    "pool/index counts disagree: %u resting, %u ids, %u order slots, %u levels, %u level slots",
			    resting, e->order_ids.count, p->orders_used, levels, p->levels_used);
	uint32_t with_coid = 0;
	for (uint32_t u = 0; rc == 0 && u < a->n; u++) {
		uint32_t cnt = 0;
		for (uint32_t h = a->ofirst[u], prev = SX_NIL; h != SX_NIL; prev = h, h = p->ulinks[h].next) {
			if (++cnt > per_user[u] || p->orders[h].user != u || p->ulinks[h].prev != prev ||
			    p->orders[h].level == SX_NIL) {
				rc = broken(msg, cap, "account %u: open-order list is inconsistent", u);
				break;
			}
			with_coid += p->orders[h].coid_len > 0;
		}
		if (rc == 0 && cnt != per_user[u])
			rc = broken(msg, cap, "account %u: list has %u orders, books have %u", u, cnt,
				    per_user[u]);
	}
	if (rc == 0 && with_coid != e->coids.count)
		rc = broken(msg, cap, "client-id index has %u entries for %u orders", e->coids.count,
			    with_coid);
	for (uint16_t s = 0; rc == 0 && s < na; s++) {
		i128 sum = 0;
		for (uint32_t u = 0; u < a->n; u++) {
			const struct sx_balance *bl = &a->bal[(size_t)u * na + s];
			sum += (i128)bl->available + bl->locked;
			if (bl->locked != locks[(size_t)u * na + s]) {
				rc = broken(msg, cap, "account %u asset %s: locked %lld, orders hold %lld", u,
					    e->cfg->assets[s].name, (long long)bl->locked,
					    (long long)locks[(size_t)u * na + s]);
				break;
			}
			if (u >= SX_ACCT_FIRST_USER && (bl->available < 0 || bl->locked < 0)) {
				rc = broken(msg, cap, "account %u asset %s: negative balance", u,
					    e->cfg->assets[s].name);
				break;
			}
		}
		if (rc == 0 && sum != e->supply[s])
			rc = broken(msg, cap, "asset %s: balances sum to %lld, supply is %lld",
				    e->cfg->assets[s].name, (long long)sum, (long long)e->supply[s]);
	}
	free(locks);
	free(per_user);
	if (rc == 0 && msg && cap)
		msg[0] = 0;
	return rc;
}

uint32_t sx_engine_user_count(const struct sx_engine *e)
{
	return e->acc.n - SX_ACCT_FIRST_USER;
}

uint32_t sx_engine_order_count(const struct sx_engine *e)
{
	return e->order_ids.count;
}

uint32_t sx_engine_level_count(const struct sx_engine *e, uint16_t market, enum sx_side side)
{
	if (market >= e->cfg->nmarkets || (unsigned)side > SX_SELL)
		return 0;
	return e->books[market].nlevels[side];
}

int64_t sx_engine_best_price(const struct sx_engine *e, uint16_t market, enum sx_side side)
{
	if (market >= e->cfg->nmarkets || (unsigned)side > SX_SELL)
		return 0;
	uint32_t lv = e->books[market].best[side];
	return lv == SX_NIL ? 0 : e->pools.levels[lv].price;
}

int sx_engine_balance(const struct sx_engine *e, uint32_t account, uint16_t asset,
		      int64_t *available, int64_t *locked)
{
	if (account >= e->acc.n || asset >= e->cfg->nassets)
		return -ENOENT;
	const struct sx_balance *b = &e->acc.bal[(uint64_t)account * e->acc.nassets + asset];
	*available = b->available;
	*locked = b->locked;
	return 0;
}

uint32_t sx_engine_find_user(const struct sx_engine *e, const char *user, size_t len)
{
	if (len == 0 || len > SX_USERID_MAX)
		return SX_ACCT_NONE;
	return sx_accounts_find(&e->acc, sx_user_hash(user, len), user, len);
}

__int128 sx_engine_supply(const struct sx_engine *e, uint16_t asset)
{
	return asset < e->cfg->nassets ? e->supply[asset] : 0;
}
