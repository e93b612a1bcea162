/*
 * tests/diff/refmodel.c - the reference model of the differential test.
 * See refmodel.h. Written from spec/semantics.md §1-3 and §5,
 * spec/commands.md and the engine rules given with the test's issue;
 * never from src/engine.c.
 */
#include "refmodel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef __int128 i128;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fprintf(stderr, "refmodel: out of memory\n");
		abort();
	}
	return q;
}

static _Noreturn void model_bug(const char *what)
{
	fprintf(stderr, "refmodel: internal error: %s\n", what);
	abort();
}

/* ---- money ------------------------------------------------------------ */

bool ref_notional(const struct sx_market_cfg *m, int64_t price, int64_t qty, int64_t *out)
{
	*out = 0;
	if (price < 0 || qty < 0)
		return false;
	i128 pq = (i128)price * qty; /* < 2^126 */
	if (pq > INT64_MAX)
		return false;
	i128 n = pq * m->unit;
	if (n > INT64_MAX)
		return false;
	*out = (int64_t)n;
	return true;
}

int64_t ref_fee(int64_t notional, uint32_t bps)
{
	return (int64_t)((i128)notional * bps / 10000);
}

static uint32_t max_bps(const struct sx_market_cfg *m)
{
	return m->maker_fee_bps > m->taker_fee_bps ? m->maker_fee_bps : m->taker_fee_bps;
}

/* need(price, qty) = n + fee(n, max(maker, taker)): what a limit buy locks. */
static bool need(const struct sx_market_cfg *m, int64_t price, int64_t qty, int64_t *out)
{
	int64_t n;
	*out = 0;
	if (!ref_notional(m, price, qty, &n))
		return false;
	i128 t = (i128)n + ref_fee(n, max_bps(m));
	if (t > INT64_MAX)
		return false;
	*out = (int64_t)t;
	return true;
}

static bool base_units(const struct sx_market_cfg *m, int64_t qty, int64_t *out)
{
	*out = 0;
	if (qty < 0)
		return false;
	i128 b = (i128)qty * m->lot_units;
	if (b > INT64_MAX)
		return false;
	*out = (int64_t)b;
	return true;
}

/* The lock a resting (limit) order with this price and remainder holds. */
static bool order_lock(const struct sx_market_cfg *m, uint8_t side, int64_t price, int64_t rem,
		       int64_t *out)
{
	if (side == SX_BUY)
		return need(m, price, rem, out);
	return base_units(m, rem, out);
}

static uint16_t lock_asset(const struct sx_market_cfg *m, uint8_t side)
{
	return side == SX_BUY ? m->quote : m->base;
}

/* ---- result ----------------------------------------------------------- */

void ref_result_init(struct ref_result *res)
{
	memset(res, 0, sizeof(*res));
}

void ref_result_free(struct ref_result *res)
{
	free(res->accounts.v);
	free(res->events.v);
	free(res->items.v);
	free(res->touch);
	memset(res, 0, sizeof(*res));
}

static void result_reset(struct ref_result *res)
{
	res->code = SX_OK;
	res->account = SX_ACCT_NONE;
	res->a = res->b = res->c = 0;
	res->accounts.n = res->events.n = res->items.n = 0;
	res->ntouch = 0;
	res->overflow[0] = 0;
}

static struct sx_out *push(struct ref_outv *v, uint8_t kind)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->v = xrealloc(v->v, v->cap * sizeof(*v->v));
	}
	struct sx_out *o = &v->v[v->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	return o;
}

static void order_view(const struct ref_order *o, struct sx_order_view *v)
{
	memset(v, 0, sizeof(*v));
	v->id = o->id;
	v->price = o->price;
	v->qty = o->qty;
	v->filled = o->filled;
	v->remaining = o->remaining;
	v->user = o->user;
	v->market = o->market;
	v->side = o->side;
	v->otype = o->otype;
	v->tif = o->tif;
	v->status = o->status;
	v->coid_len = o->coid_len;
	memcpy(v->coid, o->coid, o->coid_len);
}

static void emit_order(struct ref_result *res, const struct ref_order *o)
{
	order_view(o, &push(&res->events, SX_OUT_EV_ORDER)->u.order);
}

static void item_order(struct ref_result *res, const struct ref_order *o)
{
	order_view(o, &push(&res->items, SX_OUT_IT_ORDER)->u.order);
}

/* ---- accounts --------------------------------------------------------- */

uint32_t ref_find_user(const struct ref *r, const char *name, size_t len)
{
	for (uint32_t i = SX_ACCT_FIRST_USER; i < r->nacct; i++)
		if (r->acct[i].len == len && memcmp(r->acct[i].name, name, len) == 0)
			return i;
	return SX_ACCT_NONE;
}

/* Every balance change goes through here (records the touched pair). */
static void bal_add(struct ref *r, struct ref_result *res, uint32_t acct, uint16_t asset,
		    int64_t d_avail, int64_t d_locked)
{
	if (acct >= r->nacct || asset >= r->cfg.nassets)
		model_bug("bal_add: bad account or asset");
	struct ref_bal *b = &r->acct[acct].bal[asset];
	size_t k;
	for (k = 0; k < res->ntouch; k++)
		if (res->touch[k].acct == acct && res->touch[k].asset == asset)
			break;
	if (k == res->ntouch) {
		if (res->ntouch == res->captouch) {
			res->captouch = res->captouch ? res->captouch * 2 : 16;
			res->touch = xrealloc(res->touch, res->captouch * sizeof(*res->touch));
		}
		res->touch[res->ntouch++] = (struct ref_touch){acct, asset, *b};
	}
	i128 a = (i128)b->avail + d_avail, l = (i128)b->locked + d_locked;
	if ((a > INT64_MAX || a < INT64_MIN || l > INT64_MAX || l < INT64_MIN) && !res->overflow[0])
		snprintf(res->overflow, sizeof(res->overflow),
			 "account %u asset %u: %lld%+lld available, %lld%+lld locked leave int64",
			 acct, asset, (long long)b->avail, (long long)d_avail, (long long)b->locked,
			 (long long)d_locked);
	/* wrap like two's complement, so the run can still be described */
	b->avail = (int64_t)(uint64_t)a;
	b->locked = (int64_t)(uint64_t)l;
}

static uint32_t create_user(struct ref *r, struct ref_result *res, const struct sx_cmd *cmd)
{
	if (r->nacct == r->capacct) {
		r->capacct *= 2;
		r->acct = xrealloc(r->acct, r->capacct * sizeof(*r->acct));
	}
	uint32_t h = r->nacct++;
	struct ref_acct *a = &r->acct[h];
	memset(a, 0, sizeof(*a));
	a->len = cmd->user_len;
	memcpy(a->name, cmd->user, cmd->user_len);
	struct sx_account_view *v = &push(&res->accounts, SX_OUT_ACCOUNT)->u.account;
	v->account = h;
	v->len = cmd->user_len;
	memcpy(v->name, cmd->user, cmd->user_len);
	if (r->cfg.demo_balance > 0) {
		bal_add(r, res, h, r->cfg.demo_asset, r->cfg.demo_balance, 0);
		r->supply[r->cfg.demo_asset] += r->cfg.demo_balance;
	}
	return h;
}

/* Available balance of a user that may not exist yet (then: demo credit). */
static int64_t avail_of(const struct ref *r, uint32_t u, uint16_t asset)
{
	if (u != SX_ACCT_NONE)
		return r->acct[u].bal[asset].avail;
	return asset == r->cfg.demo_asset ? r->cfg.demo_balance : 0;
}

static bool pool_full_for(const struct ref *r, uint32_t u)
{
	return u == SX_ACCT_NONE && ref_user_count(r) >= r->cfg.max_accounts;
}

/*
 * Creating a user credits demo_balance: refused (INVALID_NUMBER) when that
 * would take the demo asset's total past INT64_MAX, like a deposit (every
 * balance then stays within int64 whatever trades follow).
 */
static bool creation_overflows(const struct ref *r, uint32_t u)
{
	return u == SX_ACCT_NONE && r->cfg.demo_balance > 0 &&
	       r->supply[r->cfg.demo_asset] + r->cfg.demo_balance > INT64_MAX;
}

/* The account checks of a command that may create its user. */
static uint8_t account_checks(const struct ref *r, uint32_t u)
{
	if (pool_full_for(r, u))
		return SX_OVERLOADED;
	if (creation_overflows(r, u))
		return SX_INVALID_NUMBER;
	return SX_OK;
}

/* ---- book ------------------------------------------------------------- */

struct ref *ref_create(const struct sx_config *cfg)
{
	struct ref *r = calloc(1, sizeof(*r));
	if (!r)
		model_bug("out of memory");
	r->cfg = *cfg;
	r->capacct = 64;
	r->acct = xrealloc(NULL, r->capacct * sizeof(*r->acct));
	memset(r->acct, 0, 3 * sizeof(*r->acct));
	r->nacct = 3; /* house, insurance, fees */
	r->next_order_id = 1;
	r->next_trade_id = 1;
	r->next_rest_seq = 1;
	return r;
}

void ref_destroy(struct ref *r)
{
	if (!r)
		return;
	free(r->acct);
	free(r->book);
	free(r);
}

/* true if a is ahead of b in matching order (same market and side). */
static bool ahead(const struct ref_order *a, const struct ref_order *b)
{
	if (a->price != b->price)
		return a->side == SX_BUY ? a->price > b->price : a->price < b->price;
	return a->rest_seq < b->rest_seq;
}

/* Index of the best resting order of one side, or -1. */
static long best_index(const struct ref *r, uint16_t market, uint8_t side)
{
	long best = -1;
	for (size_t i = 0; i < r->nbook; i++) {
		const struct ref_order *o = &r->book[i];
		if (o->market != market || o->side != side)
			continue;
		if (best < 0 || ahead(o, &r->book[best]))
			best = (long)i;
	}
	return best;
}

int64_t ref_best_price(const struct ref *r, uint16_t market, uint8_t side)
{
	long i = best_index(r, market, side);
	return i < 0 ? 0 : r->book[i].price;
}

static const struct ref *sort_ctx;
static int cmp_prio(const void *pa, const void *pb)
{
	const struct ref_order *a = &sort_ctx->book[*(const size_t *)pa];
	const struct ref_order *b = &sort_ctx->book[*(const size_t *)pb];
	if (ahead(a, b))
		return -1;
	if (ahead(b, a))
		return 1;
	return 0;
}

/* Indexes of one side's orders in matching order; caller frees. */
static size_t side_sorted(const struct ref *r, uint16_t market, uint8_t side, size_t **out)
{
	size_t *ix = xrealloc(NULL, (r->nbook + 1) * sizeof(*ix));
	size_t n = 0;
	for (size_t i = 0; i < r->nbook; i++)
		if (r->book[i].market == market && r->book[i].side == side)
			ix[n++] = i;
	sort_ctx = r;
	qsort(ix, n, sizeof(*ix), cmp_prio);
	*out = ix;
	return n;
}

uint32_t ref_level_count(const struct ref *r, uint16_t market, uint8_t side)
{
	size_t *ix;
	size_t n = side_sorted(r, market, side, &ix);
	uint32_t levels = 0;
	for (size_t k = 0; k < n; k++)
		if (k == 0 || r->book[ix[k]].price != r->book[ix[k - 1]].price)
			levels++;
	free(ix);
	return levels;
}

static void book_remove(struct ref *r, size_t i)
{
	r->book[i] = r->book[--r->nbook];
}

static void book_add(struct ref *r, const struct ref_order *o)
{
	if (r->nbook == r->capbook) {
		r->capbook = r->capbook ? r->capbook * 2 : 256;
		r->book = xrealloc(r->book, r->capbook * sizeof(*r->book));
	}
	r->book[r->nbook++] = *o;
}

/* Resting order of user u in market by reference, or -1. */
static long find_order(const struct ref *r, uint32_t u, uint16_t market,
		       const struct sx_order_ref *ref)
{
	for (size_t i = 0; i < r->nbook; i++) {
		const struct ref_order *o = &r->book[i];
		if (o->user != u || o->market != market)
			continue;
		if (ref->order_id) {
			if (o->id == ref->order_id)
				return (long)i;
		} else if (o->coid_len == ref->coid_len &&
			   memcmp(o->coid, ref->coid, ref->coid_len) == 0) {
			return (long)i;
		}
	}
	return -1;
}

static bool coid_in_use(const struct ref *r, uint32_t u, const char *coid, uint8_t len)
{
	if (u == SX_ACCT_NONE || len == 0)
		return false;
	for (size_t i = 0; i < r->nbook; i++)
		if (r->book[i].user == u && r->book[i].coid_len == len &&
		    memcmp(r->book[i].coid, coid, len) == 0)
			return true;
	return false;
}

/* Does a maker at price mp cross a taker of side with limit lim? */
static bool crosses(uint8_t side, int64_t lim, int64_t mp)
{
	return side == SX_BUY ? mp <= lim : mp >= lim;
}

/* Release a finished order's remaining lock. */
static void release_lock(struct ref *r, struct ref_result *res, struct ref_order *o)
{
	if (o->lock) {
		const struct sx_market_cfg *m = &r->cfg.markets[o->market];
		bal_add(r, res, o->user, lock_asset(m, o->side), o->lock, -o->lock);
		o->lock = 0;
	}
}

/* Cancel resting order i (user cancel, amend to 0, STP cancel_maker). */
static struct ref_order cancel_resting(struct ref *r, struct ref_result *res, size_t i)
{
	struct ref_order o = r->book[i];
	book_remove(r, i);
	release_lock(r, res, &o);
	o.status = SX_ST_CANCELLED;
	o.remaining = 0;
	emit_order(res, &o);
	return o;
}

/* Settle one side of a fill of q lots at notional n with fee f. */
static void settle(struct ref *r, struct ref_result *res, struct ref_order *o, int64_t q,
		   int64_t n, int64_t f)
{
	const struct sx_market_cfg *m = &r->cfg.markets[o->market];
	int64_t b;
	if (!base_units(m, q, &b))
		model_bug("settle: base overflow");
	if (o->side == SX_BUY) {
		if (o->otype == SX_LIMIT) {
			int64_t nl;
			if (!need(m, o->price, o->remaining - q, &nl))
				model_bug("settle: need overflow");
			int64_t rel = o->lock - nl;
			bal_add(r, res, o->user, m->quote, rel - n - f, -rel);
			o->lock = nl;
		} else {
			bal_add(r, res, o->user, m->quote, -n - f, 0);
		}
		bal_add(r, res, o->user, m->base, b, 0);
	} else {
		if (o->otype == SX_LIMIT) {
			bal_add(r, res, o->user, m->base, 0, -b);
			o->lock -= b;
		} else {
			bal_add(r, res, o->user, m->base, -b, 0);
		}
		bal_add(r, res, o->user, m->quote, n - f, 0);
	}
	o->remaining -= q;
	o->filled += q;
}

static void fill(struct ref *r, struct ref_result *res, struct ref_order *t, size_t mi, int64_t q)
{
	struct ref_order *mk = &r->book[mi];
	const struct sx_market_cfg *m = &r->cfg.markets[t->market];
	int64_t n;
	if (!ref_notional(m, mk->price, q, &n))
		model_bug("fill: notional overflow");
	int64_t ft = ref_fee(n, m->taker_fee_bps), fm = ref_fee(n, m->maker_fee_bps);
	if (n > r->st.max_notional)
		r->st.max_notional = n;
	struct sx_trade_view *tv = &push(&res->events, SX_OUT_EV_TRADE)->u.trade;
	tv->trade_id = r->next_trade_id++;
	tv->maker_order = mk->id;
	tv->taker_order = t->id;
	tv->price = mk->price;
	tv->qty = q;
	tv->maker_fee = fm;
	tv->taker_fee = ft;
	tv->maker_user = mk->user;
	tv->taker_user = t->user;
	tv->market = t->market;
	tv->taker_side = t->side;
	settle(r, res, t, q, n, ft);
	settle(r, res, mk, q, n, fm);
	if (fm + ft)
		bal_add(r, res, SX_ACCT_FEES, m->quote, fm + ft, 0);
	if (mk->remaining == 0) {
		mk->status = SX_ST_FILLED;
		if (mk->lock != 0)
			model_bug("fill: filled maker keeps a lock");
		struct ref_order done = *mk;
		book_remove(r, mi);
		emit_order(res, &done);
	} else {
		mk->status = SX_ST_PARTIALLY_FILLED;
		emit_order(res, mk);
	}
}

/* Max lots q <= want with notional(p, q) + taker fee <= avail. */
static int64_t affordable(const struct sx_market_cfg *m, int64_t avail, int64_t p, int64_t want)
{
	int64_t lo = 0, hi = want;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo + 1) / 2, n;
		bool ok = ref_notional(m, p, mid, &n) &&
			  (i128)n + ref_fee(n, m->taker_fee_bps) <= avail;
		if (ok)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * Match taker t (not in the book) against the opposite side while its
 * limit lim is crossed. Returns true when STP cancel_taker stopped it.
 */
static bool match(struct ref *r, struct ref_result *res, struct ref_order *t, int64_t lim)
{
	const struct sx_market_cfg *m = &r->cfg.markets[t->market];
	uint8_t opp = t->side == SX_BUY ? SX_SELL : SX_BUY;
	int nfills = 0;
	while (t->remaining > 0) {
		long bi = best_index(r, t->market, opp);
		if (bi < 0)
			break;
		struct ref_order *mk = &r->book[bi];
		if (!crosses(t->side, lim, mk->price))
			break;
		if (mk->user == t->user) {
			if (t->stp == SX_STP_CANCEL_TAKER) {
				r->st.stp_cancel_taker++;
				return true;
			}
			r->st.stp_cancel_maker++;
			cancel_resting(r, res, (size_t)bi);
			continue;
		}
		int64_t q = t->remaining < mk->remaining ? t->remaining : mk->remaining;
		if (t->otype == SX_MARKET && t->side == SX_BUY) {
			q = affordable(m, r->acct[t->user].bal[m->quote].avail, mk->price, q);
			if (q == 0) {
				r->st.market_afford_stop++;
				break;
			}
		}
		fill(r, res, t, (size_t)bi, q);
		if (++nfills == 2)
			r->st.multi_fill++;
	}
	if (t->otype == SX_MARKET && t->remaining > 0) {
		long bi = best_index(r, t->market, opp);
		if (bi >= 0 && !crosses(t->side, lim, r->book[bi].price))
			r->st.market_limit_stop++;
	}
	return false;
}

/* Final state of a taker (new order or amended order); emits its event. */
static void finish_taker(struct ref *r, struct ref_result *res, struct ref_order *t, bool stp_cancel)
{
	bool rests = false;
	if (stp_cancel)
		t->status = SX_ST_CANCELLED;
	else if (t->remaining == 0)
		t->status = SX_ST_FILLED;
	else if (t->otype == SX_MARKET || t->tif == SX_IOC || t->tif == SX_FOK)
		t->status = SX_ST_EXPIRED;
	else
		rests = true;
	if (t->otype == SX_MARKET && t->status == SX_ST_FILLED)
		r->st.market_filled++;
	if (t->tif == SX_IOC && t->otype == SX_LIMIT && t->status == SX_ST_EXPIRED && t->filled)
		r->st.ioc_expired_after_fill++;
	if (t->tif == SX_FOK && t->status == SX_ST_FILLED)
		r->st.fok_filled++;
	if (rests && t->filled)
		r->st.rested_after_fill++;
	if (rests) {
		t->status = t->filled ? SX_ST_PARTIALLY_FILLED : SX_ST_OPEN;
		t->rest_seq = r->next_rest_seq++;
		book_add(r, t);
	} else {
		release_lock(r, res, t);
		t->remaining = 0;
	}
	emit_order(res, t);
	res->a = (int64_t)t->id;
}

/* ---- commands --------------------------------------------------------- */

static bool needs_user(uint8_t type)
{
	switch (type) {
	case SX_CMD_DEPOSIT:
	case SX_CMD_WITHDRAW:
	case SX_CMD_PLACE_ORDER:
	case SX_CMD_CANCEL_ORDER:
	case SX_CMD_AMEND_ORDER:
	case SX_CMD_CHECK_BALANCE:
	case SX_CMD_CHECK_OPEN_ORDERS:
	case SX_CMD_GET_ORDER:
		return true;
	default:
		return false;
	}
}

static uint8_t do_funds(struct ref *r, const struct sx_cmd *cmd, struct ref_result *res)
{
	const struct sx_cmd_funds *f = &cmd->u.funds;
	if (f->asset >= r->cfg.nassets)
		return SX_UNKNOWN_ASSET;
	if (f->amount <= 0)
		return SX_INVALID_AMOUNT;
	uint32_t u = ref_find_user(r, cmd->user, cmd->user_len);
	int64_t av = avail_of(r, u, f->asset);
	if (cmd->type == SX_CMD_DEPOSIT) {
		/*
		 * Account checks first (pool, demo credit), then the amount: each
		 * asset's total supply, the demo credit of an account this command
		 * creates included, stays within int64, so that no balance can
		 * overflow in a later trade (docs/state-machine.md; stricter than
		 * the user's own balance).
		 */
		uint8_t code = account_checks(r, u);
		if (code)
			return code;
		i128 demo = u == SX_ACCT_NONE && f->asset == r->cfg.demo_asset ? r->cfg.demo_balance : 0;
		if ((i128)av + f->amount > INT64_MAX || r->supply[f->asset] + demo + f->amount > INT64_MAX)
			return SX_INVALID_NUMBER;
	} else {
		uint8_t code = account_checks(r, u);
		if (code)
			return code;
		if (av < f->amount)
			return SX_INSUFFICIENT_BALANCE;
	}
	if (u == SX_ACCT_NONE)
		u = create_user(r, res, cmd);
	int64_t d = cmd->type == SX_CMD_DEPOSIT ? f->amount : -f->amount;
	bal_add(r, res, u, f->asset, d, 0);
	r->supply[f->asset] += d;
	res->account = u;
	res->a = r->acct[u].bal[f->asset].avail;
	res->b = r->acct[u].bal[f->asset].locked;
	return SX_OK;
}

/*
 * Would limit order p of user u fill completely now against other users'
 * liquidity at crossing prices, in matching order? Under cancel_taker the
 * walk stops at the user's first own order (it would stop the order).
 * Decides FOK, and whether a gtc order needs an order-pool slot.
 */
static bool fills_now(const struct ref *r, const struct sx_cmd_place *p, uint32_t u)
{
	uint8_t opp = p->side == SX_BUY ? SX_SELL : SX_BUY;
	size_t *ix;
	size_t cnt = side_sorted(r, p->market, opp, &ix);
	int64_t sum = 0;
	for (size_t k = 0; k < cnt && sum < p->qty; k++) {
		const struct ref_order *o = &r->book[ix[k]];
		if (!crosses(p->side, p->price, o->price))
			break;
		if (o->user == u) {
			if (p->stp == SX_STP_CANCEL_TAKER)
				break;
			continue;
		}
		sum += o->remaining;
	}
	free(ix);
	return sum >= p->qty;
}

static uint8_t do_place(struct ref *r, const struct sx_cmd *cmd, struct ref_result *res)
{
	const struct sx_cmd_place *p = &cmd->u.place;
	if (p->market >= r->cfg.nmarkets)
		return SX_UNKNOWN_MARKET;
	const struct sx_market_cfg *m = &r->cfg.markets[p->market];
	if (p->side > SX_SELL)
		return SX_INVALID_SIDE;
	if (p->otype > SX_MARKET)
		return SX_INVALID_ORDER_TYPE;
	if (p->qty <= 0)
		return SX_INVALID_QUANTITY;
	bool limit = p->otype == SX_LIMIT;
	if (limit && p->price <= 0)
		return SX_INVALID_PRICE;
	if (p->tif > SX_POST_ONLY)
		return SX_INVALID_TIF;
	if (p->has_slippage && p->slippage_bps > SX_BPS_MAX)
		return SX_INVALID_NUMBER;
	if (p->stp > SX_STP_CANCEL_TAKER || p->coid_len > SX_COID_MAX)
		return SX_INVALID_COMMAND;
	int64_t base, n = 0, lock = 0;
	if (!base_units(m, p->qty, &base))
		return SX_INVALID_NUMBER;
	if (limit) {
		if (!ref_notional(m, p->price, p->qty, &n))
			return SX_INVALID_NUMBER;
		if (!order_lock(m, p->side, p->price, p->qty, &lock))
			return SX_INVALID_NUMBER;
	}
	uint32_t u = ref_find_user(r, cmd->user, cmd->user_len);
	uint8_t code = account_checks(r, u);
	if (code)
		return code;
	if (coid_in_use(r, u, p->coid, p->coid_len))
		return SX_DUPLICATE_CLIENT_ORDER_ID;
	uint8_t opp = p->side == SX_BUY ? SX_SELL : SX_BUY;
	int64_t best = ref_best_price(r, p->market, opp);
	if (limit) {
		if (lock > avail_of(r, u, lock_asset(m, p->side)))
			return SX_INSUFFICIENT_BALANCE;
	} else if (p->side == SX_SELL) {
		if (base > avail_of(r, u, m->base))
			return SX_INSUFFICIENT_BALANCE;
	} else if (best) {
		int64_t n1;
		if (!ref_notional(m, best, 1, &n1) ||
		    (i128)n1 + ref_fee(n1, m->taker_fee_bps) > avail_of(r, u, m->quote))
			return SX_INSUFFICIENT_BALANCE;
	}
	if (limit && p->tif == SX_POST_ONLY && best && crosses(p->side, p->price, best))
		return SX_WOULD_CROSS;
	/*
	 * Last, the order pool (docs/state-machine.md "Validation order"): when
	 * it is full, an order that would have to rest is OVERLOADED: a
	 * post_only, or a gtc that cannot fill completely now against other
	 * users' liquidity. IOC, FOK, market orders and a gtc that fills at
	 * once need no slot. (The first wording checked the pool for
	 * every gtc/post_only before the duplicate-id and funds checks; the
	 * engine and its docs changed that.)
	 */
	if (limit && r->nbook >= r->cfg.max_orders &&
	    (p->tif == SX_POST_ONLY || (p->tif == SX_GTC && !fills_now(r, p, u))))
		return SX_OVERLOADED;

	/* accepted */
	if (u == SX_ACCT_NONE)
		u = create_user(r, res, cmd);
	res->account = u;
	struct ref_order t;
	memset(&t, 0, sizeof(t));
	t.id = r->next_order_id++;
	t.user = u;
	t.market = p->market;
	t.side = p->side;
	t.otype = p->otype;
	/* a market order never rests: the engine shows it as ioc whatever tif
	 * the command carried (the spec gives market orders no tif) */
	t.tif = limit ? p->tif : SX_IOC;
	t.stp = p->stp;
	t.coid_len = p->coid_len;
	memcpy(t.coid, p->coid, p->coid_len);
	t.price = limit ? p->price : 0;
	t.qty = t.remaining = p->qty;

	if (!limit) {
		if (!best) {
			r->st.market_empty++;
			finish_taker(r, res, &t, false); /* empty book: expires at once */
			return SX_OK;
		}
		uint32_t slip = p->has_slippage ? p->slippage_bps : m->market_slippage_bps;
		int64_t lim;
		if (p->side == SX_BUY) {
			i128 l = (i128)best * (10000 + slip) / 10000;
			lim = l > INT64_MAX ? INT64_MAX : (int64_t)l;
		} else {
			i128 num = (i128)best * (10000 - slip);
			lim = (int64_t)((num + 9999) / 10000);
		}
		bool stp = match(r, res, &t, lim);
		finish_taker(r, res, &t, stp);
		return SX_OK;
	}

	if (p->tif == SX_FOK) {
		if (!fills_now(r, p, u)) {
			r->st.fok_expired++;
			finish_taker(r, res, &t, false); /* expired, nothing changes */
			return SX_OK;
		}
	}
	t.lock = lock;
	bal_add(r, res, u, lock_asset(m, p->side), -lock, lock);
	bool stp = match(r, res, &t, p->price);
	finish_taker(r, res, &t, stp);
	return SX_OK;
}

static uint8_t check_order_cmd(const struct ref *r, const struct sx_cmd *cmd)
{
	const struct sx_cmd_order *c = &cmd->u.order;
	if (c->market >= r->cfg.nmarkets)
		return SX_UNKNOWN_MARKET;
	if (c->ref.order_id == 0 && c->ref.coid_len == 0)
		return SX_MISSING_FIELD;
	if (c->ref.coid_len > SX_COID_MAX)
		return SX_INVALID_COMMAND;
	return SX_OK;
}

static uint8_t do_cancel_get(struct ref *r, const struct sx_cmd *cmd, struct ref_result *res)
{
	const struct sx_cmd_order *c = &cmd->u.order;
	uint8_t code = check_order_cmd(r, cmd);
	if (code)
		return code;
	uint32_t u = ref_find_user(r, cmd->user, cmd->user_len);
	if (u == SX_ACCT_NONE)
		return SX_UNKNOWN_ORDER;
	long i = find_order(r, u, c->market, &c->ref);
	if (i < 0)
		return SX_UNKNOWN_ORDER;
	res->account = u;
	if (cmd->type == SX_CMD_GET_ORDER) {
		item_order(res, &r->book[i]);
		res->a = (int64_t)r->book[i].id;
		return SX_OK;
	}
	struct ref_order o = cancel_resting(r, res, (size_t)i);
	res->a = (int64_t)o.id;
	return SX_OK;
}

static uint8_t do_amend(struct ref *r, const struct sx_cmd *cmd, struct ref_result *res)
{
	const struct sx_cmd_order *c = &cmd->u.order;
	uint8_t code = check_order_cmd(r, cmd);
	if (code)
		return code;
	if (!c->has_qty && !c->has_price)
		return SX_MISSING_FIELD;
	if (c->has_qty && c->qty < 0)
		return SX_INVALID_QUANTITY;
	if (c->has_price && c->price <= 0)
		return SX_INVALID_PRICE;
	uint32_t u = ref_find_user(r, cmd->user, cmd->user_len);
	if (u == SX_ACCT_NONE)
		return SX_UNKNOWN_ORDER;
	long i = find_order(r, u, c->market, &c->ref);
	if (i < 0)
		return SX_UNKNOWN_ORDER;
	res->account = u;
	const struct sx_market_cfg *m = &r->cfg.markets[c->market];
	struct ref_order *o = &r->book[i];
	if (c->has_qty && c->qty == 0) {
		struct ref_order done = cancel_resting(r, res, (size_t)i);
		r->st.amend_cancel++;
		res->a = (int64_t)done.id;
		return SX_OK;
	}
	int64_t np = c->has_price ? c->price : o->price;
	int64_t nr = c->has_qty ? c->qty : o->remaining;
	uint16_t asset = lock_asset(m, o->side);
	if (np == o->price && nr <= o->remaining) { /* reduce in place */
		int64_t nl;
		if (!order_lock(m, o->side, np, nr, &nl))
			model_bug("amend: reduced lock overflow");
		int64_t rel = o->lock - nl;
		bal_add(r, res, o->user, asset, rel, -rel);
		o->lock = nl;
		o->remaining = nr;
		o->qty = o->filled + nr;
		emit_order(res, o);
		r->st.amend_keep++;
		res->a = (int64_t)o->id;
		return SX_OK;
	}
	int64_t nb, nn, nl;
	if (!base_units(m, nr, &nb) || !ref_notional(m, np, nr, &nn) ||
	    !order_lock(m, o->side, np, nr, &nl) || (i128)o->filled + nr > INT64_MAX)
		return SX_INVALID_NUMBER;
	int64_t delta = nl - o->lock;
	if (delta > r->acct[u].bal[asset].avail)
		return SX_INSUFFICIENT_BALANCE;
	uint8_t opp = o->side == SX_BUY ? SX_SELL : SX_BUY;
	int64_t best = ref_best_price(r, c->market, opp);
	if (o->tif == SX_POST_ONLY && best && crosses(o->side, np, best))
		return SX_WOULD_CROSS;
	struct ref_order t = *o;
	book_remove(r, (size_t)i);
	bal_add(r, res, u, asset, -delta, delta);
	t.price = np;
	t.remaining = nr;
	t.qty = t.filled + nr;
	t.lock = nl;
	r->st.amend_move++;
	size_t before = res->events.n;
	bool stp = match(r, res, &t, np);
	if (res->events.n != before)
		r->st.amend_cross++;
	finish_taker(r, res, &t, stp);
	return SX_OK;
}

static uint8_t do_account_query(struct ref *r, const struct sx_cmd *cmd, struct ref_result *res)
{
	uint32_t u = ref_find_user(r, cmd->user, cmd->user_len);
	uint8_t code = account_checks(r, u);
	if (code)
		return code;
	if (u == SX_ACCT_NONE)
		u = create_user(r, res, cmd);
	res->account = u;
	if (cmd->type == SX_CMD_CHECK_BALANCE) {
		for (uint16_t a = 0; a < r->cfg.nassets; a++) {
			struct sx_balance_view *b = &push(&res->items, SX_OUT_IT_BALANCE)->u.balance;
			b->account = u;
			b->asset = a;
			b->available = r->acct[u].bal[a].avail;
			b->locked = r->acct[u].bal[a].locked;
		}
		return SX_OK;
	}
	/* CHECK_OPEN_ORDERS: resting orders in id order (selection sort: naive). */
	uint64_t last = 0;
	for (;;) {
		long pick = -1;
		for (size_t i = 0; i < r->nbook; i++)
			if (r->book[i].user == u && r->book[i].id > last &&
			    (pick < 0 || r->book[i].id < r->book[pick].id))
				pick = (long)i;
		if (pick < 0)
			break;
		item_order(res, &r->book[pick]);
		last = r->book[pick].id;
	}
	return SX_OK;
}

static uint8_t do_depth(struct ref *r, const struct sx_cmd *cmd, struct ref_result *res)
{
	const struct sx_cmd_depth *d = &cmd->u.depth;
	if (d->market >= r->cfg.nmarkets)
		return SX_UNKNOWN_MARKET;
	if (d->levels < 1 || d->levels > SX_DEPTH_LEVELS_MAX)
		return SX_INVALID_NUMBER;
	for (uint8_t side = SX_BUY; side <= SX_SELL; side++) {
		size_t *ix;
		size_t n = side_sorted(r, d->market, side, &ix);
		uint32_t lv = 0;
		struct sx_level_view *cur = NULL;
		for (size_t k = 0; k < n; k++) {
			const struct ref_order *o = &r->book[ix[k]];
			if (!cur || cur->price != o->price) {
				if (lv == d->levels)
					break;
				lv++;
				cur = &push(&res->items, SX_OUT_IT_LEVEL)->u.level;
				cur->price = o->price;
				cur->market = d->market;
				cur->side = side;
			}
			cur->qty += o->remaining;
		}
		free(ix);
	}
	return SX_OK;
}

static uint8_t do_quote(struct ref *r, const struct sx_cmd *cmd, struct ref_result *res)
{
	const struct sx_cmd_quote *q = &cmd->u.quote;
	if (q->market >= r->cfg.nmarkets)
		return SX_UNKNOWN_MARKET;
	if (q->side > SX_SELL)
		return SX_INVALID_SIDE;
	if (q->qty <= 0)
		return SX_INVALID_QUANTITY;
	const struct sx_market_cfg *m = &r->cfg.markets[q->market];
	uint8_t opp = q->side == SX_BUY ? SX_SELL : SX_BUY;
	size_t *ix;
	size_t n = side_sorted(r, q->market, opp, &ix);
	int64_t want = q->qty, got = 0;
	i128 notional = 0, fee = 0;
	if (n) {
		int64_t best = r->book[ix[0]].price, lim;
		uint32_t slip = m->market_slippage_bps;
		if (q->side == SX_BUY)
			lim = (int64_t)((i128)best * (10000 + slip) / 10000);
		else
			lim = (int64_t)(((i128)best * (10000 - slip) + 9999) / 10000);
		for (size_t k = 0; k < n && got < want; k++) {
			const struct ref_order *o = &r->book[ix[k]];
			if (!crosses(q->side, lim, o->price))
				break;
			int64_t take = want - got < o->remaining ? want - got : o->remaining, nn;
			if (!ref_notional(m, o->price, take, &nn))
				model_bug("quote: overflow");
			got += take;
			notional += nn;
			fee += ref_fee(nn, m->taker_fee_bps);
		}
	}
	free(ix);
	/* A total that does not fit an int64 is INVALID_NUMBER (the spec does
	 * not say; this is the engine's choice, and a sane one). */
	if (notional > INT64_MAX)
		return SX_INVALID_NUMBER;
	res->a = got;
	res->b = (int64_t)notional;
	res->c = (int64_t)fee;
	return SX_OK;
}

void ref_apply(struct ref *r, const struct sx_cmd *cmd, struct ref_result *res)
{
	result_reset(res);
	uint8_t code;
	if (cmd->type == SX_CMD_REJECTED) {
		res->code = cmd->u.rej.code;
		return;
	}
	if (cmd->type >= SX_CMD_TYPE_COUNT) {
		res->code = SX_UNKNOWN_TYPE;
		return;
	}
	if (needs_user(cmd->type)) {
		if (cmd->user_len == 0) {
			res->code = SX_MISSING_FIELD;
			return;
		}
		if (cmd->user_len > SX_USERID_MAX) {
			res->code = SX_INVALID_COMMAND;
			return;
		}
	}
	switch (cmd->type) {
	case SX_CMD_DEPOSIT:
	case SX_CMD_WITHDRAW: code = do_funds(r, cmd, res); break;
	case SX_CMD_PLACE_ORDER: code = do_place(r, cmd, res); break;
	case SX_CMD_CANCEL_ORDER:
	case SX_CMD_GET_ORDER: code = do_cancel_get(r, cmd, res); break;
	case SX_CMD_AMEND_ORDER: code = do_amend(r, cmd, res); break;
	case SX_CMD_CHECK_BALANCE:
	case SX_CMD_CHECK_OPEN_ORDERS: code = do_account_query(r, cmd, res); break;
	case SX_CMD_GET_DEPTH: code = do_depth(r, cmd, res); break;
	case SX_CMD_QUOTE: code = do_quote(r, cmd, res); break;
	default: code = SX_UNKNOWN_TYPE; break;
	}
	res->code = code;
	if (code != SX_OK && (res->events.n || res->accounts.n || res->ntouch || res->items.n))
		model_bug("a rejected command changed the model");
}

/* ---- the model's own invariants ---------------------------------------- */

int ref_check(const struct ref *r, char *msg, size_t cap)
{
	const struct sx_config *c = &r->cfg;
	for (uint16_t a = 0; a < c->nassets; a++) {
		i128 sum = 0;
		for (uint32_t h = 0; h < r->nacct; h++)
			sum += (i128)r->acct[h].bal[a].avail + r->acct[h].bal[a].locked;
		if (sum != r->supply[a]) {
			snprintf(msg, cap, "model: conservation broken for asset %u", a);
			return -1;
		}
	}
	i128 *locks = xrealloc(NULL, (size_t)r->nacct * c->nassets * sizeof(*locks));
	memset(locks, 0, (size_t)r->nacct * c->nassets * sizeof(*locks));
	for (size_t i = 0; i < r->nbook; i++) {
		const struct ref_order *o = &r->book[i];
		locks[(size_t)o->user * c->nassets + lock_asset(&c->markets[o->market], o->side)] +=
			o->lock;
	}
	for (uint32_t h = 0; h < r->nacct; h++) {
		for (uint16_t a = 0; a < c->nassets; a++) {
			const struct ref_bal *b = &r->acct[h].bal[a];
			i128 l = locks[(size_t)h * c->nassets + a];
			if (l != b->locked) {
				snprintf(msg, cap, "model: account %u asset %u locked %lld != orders %lld",
					 h, a, (long long)b->locked, (long long)l);
				free(locks);
				return -1;
			}
			if (h >= SX_ACCT_FIRST_USER && (b->avail < 0 || b->locked < 0)) {
				snprintf(msg, cap, "model: account %u asset %u negative", h, a);
				free(locks);
				return -1;
			}
		}
	}
	free(locks);
	for (size_t i = 0; i < r->nbook; i++) {
		const struct ref_order *o = &r->book[i];
		int64_t l;
		if (!order_lock(&c->markets[o->market], o->side, o->price, o->remaining, &l) ||
		    l != o->lock || o->remaining <= 0 || o->qty != o->filled + o->remaining) {
			snprintf(msg, cap, "model: order %llu lock/qty inconsistent",
				 (unsigned long long)o->id);
			return -1;
		}
	}
	for (uint16_t mk = 0; mk < c->nmarkets; mk++) {
		int64_t bb = ref_best_price(r, mk, SX_BUY), ba = ref_best_price(r, mk, SX_SELL);
		if (bb && ba && bb >= ba) {
			snprintf(msg, cap, "model: market %u crossed (%lld >= %lld)", mk,
				 (long long)bb, (long long)ba);
			return -1;
		}
	}
	return 0;
}
