/*
 * test_engine.c - unit tests of the spot state machine (sequex/engine.h),
 * driven with hand-built struct sx_cmd records and observed through the
 * records it emits and its read-only views.
 *
 * Every command goes through apply(), which checks the output contract on
 * every record: exactly one SX_OUT_REPLY and it is last; records of one
 * command come as accounts, events, balance events, items, reply; seq and
 * ts are the command's; an account handle is announced by SX_OUT_ACCOUNT
 * before any record uses it; a rejected command emits its reply only and
 * creates no account; one balance event per (account, asset) whose value
 * changed, with its final value, and none for the others; conservation
 * (all balances, system accounts included, sum to sx_engine_supply per
 * asset); no user balance negative; no crossed book.
 *
 * Units on SOL_USDC (demo config): tick 0.01 USDC, lot 0.01 SOL, so
 * 100.00 = 10000 ticks, 1.00 SOL = 100 lots, one tick x lot = 100 USDC
 * minor units; 1 USDC = 1,000,000 minor units, 1 SOL = 10^9.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sequex/engine.h"

static uint64_t rng_state;
static void rng_seed(uint64_t s)
{
	rng_state = s;
}
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}
/* uniform in [0, n) */
static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(rng() % n);
}

#define USDC 0
#define SOL 1
#define ETH 2
#define M_SOL 0
#define M_ETH 1
#define DEMO 5000000000ll /* 5000 USDC */

/* ------------------------------------------------------------------ */
/* harness                                                             */

static struct sx_config cfg;
static struct sx_engine *eng;
static uint64_t seq;
static uint64_t now_ts = 1000;

static struct sx_out *recs; /* records of the last command */
static size_t nrecs, caprecs;

#define MAX_HANDLES 4096
static bool announced[MAX_HANDLES];
static uint32_t next_handle; /* handle the next new account must get */

static int kind_rank(uint8_t kind)
{
	switch (kind) {
	case SX_OUT_ACCOUNT: return 0;
	case SX_OUT_EV_ORDER:
	case SX_OUT_EV_TRADE: return 1;
	case SX_OUT_EV_BALANCE: return 2;
	case SX_OUT_IT_BALANCE:
	case SX_OUT_IT_LEVEL:
	case SX_OUT_IT_ORDER: return 3;
	case SX_OUT_REPLY: return 4;
	default: fail_msg("unknown record kind %u", kind); return -1;
	}
}

static void need_handle(uint32_t h)
{
	if (h < SX_ACCT_FIRST_USER)
		return;
	if (h >= MAX_HANDLES || !announced[h])
		fail_msg("seq %llu: account handle %u used before its ACCOUNT record",
			 (unsigned long long)seq, h);
}

static void sink_emit(void *ctx, const struct sx_out *r)
{
	(void)ctx;
	if (r->seq != seq || r->ts != now_ts)
		fail_msg("record kind %u has seq %llu ts %llu, command %llu ts %llu", r->kind,
			 (unsigned long long)r->seq, (unsigned long long)r->ts,
			 (unsigned long long)seq, (unsigned long long)now_ts);
	if (nrecs > 0) {
		if (recs[nrecs - 1].kind == SX_OUT_REPLY)
			fail_msg("seq %llu: record after the reply", (unsigned long long)seq);
		if (kind_rank(r->kind) < kind_rank(recs[nrecs - 1].kind))
			fail_msg("seq %llu: record kind %u after kind %u", (unsigned long long)seq,
				 r->kind, recs[nrecs - 1].kind);
	}
	switch (r->kind) {
	case SX_OUT_ACCOUNT:
		assert_int_equal(r->u.account.account, next_handle);
		assert_true(r->u.account.account < MAX_HANDLES);
		assert_false(announced[r->u.account.account]);
		announced[r->u.account.account] = true;
		next_handle++;
		break;
	case SX_OUT_EV_ORDER:
	case SX_OUT_IT_ORDER: need_handle(r->u.order.user); break;
	case SX_OUT_EV_TRADE:
		need_handle(r->u.trade.maker_user);
		need_handle(r->u.trade.taker_user);
		break;
	case SX_OUT_EV_BALANCE:
	case SX_OUT_IT_BALANCE: need_handle(r->u.balance.account); break;
	case SX_OUT_REPLY:
		if (r->u.reply.account != SX_ACCT_NONE)
			need_handle(r->u.reply.account);
		break;
	default: break;
	}
	if (nrecs == caprecs) {
		caprecs = caprecs ? caprecs * 2 : 256;
		recs = realloc(recs, caprecs * sizeof(*recs));
		assert_non_null(recs);
	}
	recs[nrecs++] = *r;
}

static void start(const struct sx_config *c)
{
	cfg = *c;
	seq = 0;
	nrecs = 0;
	memset(announced, 0, sizeof(announced));
	next_handle = SX_ACCT_FIRST_USER;
	static struct sx_record_sink rsink; /* outlives the engine */
	sx_record_sink_init(&rsink, sink_emit, NULL);
	assert_int_equal(sx_engine_create(&cfg, &rsink.sink, &eng), 0);
}

static void start_fees(uint32_t maker, uint32_t taker)
{
	struct sx_config c;
	sx_config_defaults(&c);
	c.max_orders = 10000;
	c.max_accounts = 1000;
	c.markets[M_SOL].maker_fee_bps = maker;
	c.markets[M_SOL].taker_fee_bps = taker;
	start(&c);
}

static void stop(void)
{
	sx_engine_destroy(eng);
	eng = NULL;
	free(recs);
	recs = NULL;
	nrecs = caprecs = 0;
}

static uint32_t naccounts(void)
{
	return SX_ACCT_FIRST_USER + sx_engine_user_count(eng);
}

/* balances of every account before the command */
static int64_t (*snap)[SX_MAX_ASSETS][2];
static uint32_t snap_n;

static void take_snapshot(void)
{
	snap_n = naccounts();
	snap = realloc(snap, (size_t)(snap_n + 1) * sizeof(*snap));
	assert_non_null(snap);
	for (uint32_t a = 0; a < snap_n; a++)
		for (uint16_t s = 0; s < cfg.nassets; s++)
			assert_int_equal(sx_engine_balance(eng, a, s, &snap[a][s][0], &snap[a][s][1]),
					 0);
}

static void check_after(void)
{
	char why[256];
	if (sx_engine_validate(eng, why, sizeof(why)) != 0)
		fail_msg("seq %llu: sx_engine_validate: %s", (unsigned long long)seq, why);
	uint32_t n = naccounts();
	assert_int_equal(n, next_handle);
	/* conservation, non-negative user balances */
	for (uint16_t s = 0; s < cfg.nassets; s++) {
		__int128 sum = 0;
		for (uint32_t a = 0; a < n; a++) {
			int64_t av, lk;
			assert_int_equal(sx_engine_balance(eng, a, s, &av, &lk), 0);
			sum += av;
			sum += lk;
			if (a >= SX_ACCT_FIRST_USER && (av < 0 || lk < 0))
				fail_msg("seq %llu: account %u asset %u negative (%lld, %lld)",
					 (unsigned long long)seq, a, s, (long long)av, (long long)lk);
		}
		if (sum != sx_engine_supply(eng, s))
			fail_msg("seq %llu: asset %u: balances sum %lld != supply %lld",
				 (unsigned long long)seq, s, (long long)sum,
				 (long long)sx_engine_supply(eng, s));
		int64_t av, lk;
		assert_int_not_equal(sx_engine_balance(eng, n, s, &av, &lk), 0);
	}
	/* no crossed book */
	for (uint16_t m = 0; m < cfg.nmarkets; m++) {
		int64_t bid = sx_engine_best_price(eng, m, SX_BUY);
		int64_t ask = sx_engine_best_price(eng, m, SX_SELL);
		if (bid && ask && bid >= ask)
			fail_msg("seq %llu: market %u crossed: bid %lld ask %lld",
				 (unsigned long long)seq, m, (long long)bid, (long long)ask);
	}
	/* balance events: exactly the changed (account, asset) pairs, final values */
	static bool seen[MAX_HANDLES][SX_MAX_ASSETS];
	for (size_t i = 0; i < nrecs; i++) {
		if (recs[i].kind != SX_OUT_EV_BALANCE)
			continue;
		const struct sx_balance_view *b = &recs[i].u.balance;
		assert_true(b->account < n && b->asset < cfg.nassets);
		if (seen[b->account][b->asset])
			fail_msg("seq %llu: two balance events for account %u asset %u",
				 (unsigned long long)seq, b->account, b->asset);
		seen[b->account][b->asset] = true;
		int64_t av, lk;
		sx_engine_balance(eng, b->account, b->asset, &av, &lk);
		assert_int_equal(b->available, av);
		assert_int_equal(b->locked, lk);
	}
	for (uint32_t a = 0; a < n; a++) {
		for (uint16_t s = 0; s < cfg.nassets; s++) {
			int64_t av, lk;
			sx_engine_balance(eng, a, s, &av, &lk);
			int64_t av0 = a < snap_n ? snap[a][s][0] : 0;
			int64_t lk0 = a < snap_n ? snap[a][s][1] : 0;
			bool changed = av != av0 || lk != lk0;
			if (changed != seen[a][s])
				fail_msg("seq %llu: account %u asset %u changed=%d but event=%d",
					 (unsigned long long)seq, a, s, changed, seen[a][s]);
			seen[a][s] = false;
		}
	}
}

/* Apply one command; returns its reply. */
static const struct sx_reply_view *apply(const struct sx_cmd *c)
{
	take_snapshot();
	uint32_t users0 = sx_engine_user_count(eng);
	nrecs = 0;
	seq++;
	sx_engine_apply(eng, seq, c);
	assert_true(nrecs >= 1);
	assert_int_equal(recs[nrecs - 1].kind, SX_OUT_REPLY);
	for (size_t i = 0; i + 1 < nrecs; i++)
		assert_int_not_equal(recs[i].kind, SX_OUT_REPLY);
	const struct sx_reply_view *r = &recs[nrecs - 1].u.reply;
	assert_int_equal(r->reqid_len, c->reqid_len);
	assert_memory_equal(r->reqid, c->reqid, c->reqid_len);
	if (r->code != SX_OK) {
		/* a rejection: no events, no items, no account */
		if (nrecs != 1)
			fail_msg("seq %llu: rejected (code %u) with %zu records",
				 (unsigned long long)seq, r->code, nrecs);
		assert_int_equal(sx_engine_user_count(eng), users0);
		assert_int_equal(r->account, SX_ACCT_NONE);
	} else {
		assert_int_equal(r->cmd_type, c->type);
	}
	check_after();
	return r;
}

static struct sx_cmd cmd(uint8_t type, const char *user)
{
	struct sx_cmd c;
	memset(&c, 0, sizeof(c));
	c.type = type;
	c.ts = now_ts;
	c.has_ts = 1;
	if (user) {
		size_t n = strlen(user);
		assert_true(n <= SX_USERID_MAX);
		memcpy(c.user, user, n);
		c.user_len = (uint8_t)n;
		c.user_hash = sx_user_hash(user, n);
	}
	return c;
}

static const struct sx_reply_view *deposit(const char *user, uint16_t asset, int64_t amount)
{
	struct sx_cmd c = cmd(SX_CMD_DEPOSIT, user);
	c.u.funds.asset = asset;
	c.u.funds.amount = amount;
	return apply(&c);
}

static const struct sx_reply_view *withdraw(const char *user, uint16_t asset, int64_t amount)
{
	struct sx_cmd c = cmd(SX_CMD_WITHDRAW, user);
	c.u.funds.asset = asset;
	c.u.funds.amount = amount;
	return apply(&c);
}

struct popts {
	uint16_t market;
	uint8_t otype, tif, stp;
	const char *coid;
	bool has_slip;
	uint32_t slip;
};

static struct sx_cmd place_cmd(const char *user, enum sx_side side, int64_t price, int64_t qty,
			       struct popts o)
{
	struct sx_cmd c = cmd(SX_CMD_PLACE_ORDER, user);
	c.u.place.market = o.market;
	c.u.place.side = (uint8_t)side;
	c.u.place.otype = o.otype;
	c.u.place.tif = o.tif;
	c.u.place.stp = o.stp;
	c.u.place.qty = qty;
	c.u.place.price = price;
	c.u.place.has_slippage = o.has_slip;
	c.u.place.slippage_bps = o.slip;
	if (o.coid) {
		size_t n = strlen(o.coid);
		memcpy(c.u.place.coid, o.coid, n);
		c.u.place.coid_len = (uint8_t)n;
	}
	return c;
}

static const struct sx_reply_view *place_x(const char *user, enum sx_side side, int64_t price,
					   int64_t qty, struct popts o)
{
	struct sx_cmd c = place_cmd(user, side, price, qty, o);
	return apply(&c);
}

/* A GTC limit order on SOL_USDC. */
static const struct sx_reply_view *place(const char *user, enum sx_side side, int64_t price,
					 int64_t qty)
{
	return place_x(user, side, price, qty, (struct popts){0});
}

static const struct sx_reply_view *place_tif(const char *user, enum sx_side side, int64_t price,
					     int64_t qty, enum sx_tif tif)
{
	return place_x(user, side, price, qty, (struct popts){.tif = (uint8_t)tif});
}

static const struct sx_reply_view *market(const char *user, enum sx_side side, int64_t qty)
{
	return place_x(user, side, 0, qty, (struct popts){.otype = SX_MARKET});
}

static struct sx_cmd order_cmd(uint8_t type, const char *user, uint64_t id, const char *coid)
{
	struct sx_cmd c = cmd(type, user);
	c.u.order.market = M_SOL;
	c.u.order.ref.order_id = id;
	if (coid) {
		size_t n = strlen(coid);
		memcpy(c.u.order.ref.coid, coid, n);
		c.u.order.ref.coid_len = (uint8_t)n;
	}
	return c;
}

static const struct sx_reply_view *cancel(const char *user, uint64_t id)
{
	struct sx_cmd c = order_cmd(SX_CMD_CANCEL_ORDER, user, id, NULL);
	return apply(&c);
}

static const struct sx_reply_view *cancel_coid(const char *user, const char *coid)
{
	struct sx_cmd c = order_cmd(SX_CMD_CANCEL_ORDER, user, 0, coid);
	return apply(&c);
}

static const struct sx_reply_view *get_order(const char *user, uint64_t id)
{
	struct sx_cmd c = order_cmd(SX_CMD_GET_ORDER, user, id, NULL);
	return apply(&c);
}

/* qty < 0: keep; price <= 0: keep */
static const struct sx_reply_view *amend_ref(const char *user, uint64_t id, const char *coid,
					     int64_t qty, int64_t price)
{
	struct sx_cmd c = order_cmd(SX_CMD_AMEND_ORDER, user, id, coid);
	c.u.order.has_qty = qty >= 0;
	c.u.order.qty = qty >= 0 ? qty : 0;
	c.u.order.has_price = price > 0;
	c.u.order.price = price > 0 ? price : 0;
	return apply(&c);
}

static const struct sx_reply_view *amend(const char *user, uint64_t id, int64_t qty,
					 int64_t price)
{
	return amend_ref(user, id, NULL, qty, price);
}

static const struct sx_reply_view *check_balance(const char *user)
{
	struct sx_cmd c = cmd(SX_CMD_CHECK_BALANCE, user);
	return apply(&c);
}

static const struct sx_reply_view *open_orders(const char *user)
{
	struct sx_cmd c = cmd(SX_CMD_CHECK_OPEN_ORDERS, user);
	return apply(&c);
}

static const struct sx_reply_view *depth(uint16_t m, uint32_t levels)
{
	struct sx_cmd c = cmd(SX_CMD_GET_DEPTH, NULL);
	c.u.depth.market = m;
	c.u.depth.levels = levels;
	return apply(&c);
}

static const struct sx_reply_view *quote(uint16_t m, enum sx_side side, int64_t qty)
{
	struct sx_cmd c = cmd(SX_CMD_QUOTE, NULL);
	c.u.quote.market = m;
	c.u.quote.side = (uint8_t)side;
	c.u.quote.qty = qty;
	return apply(&c);
}

/* ---- looking at the last command's records ---- */

static size_t count_kind(uint8_t kind)
{
	size_t n = 0;
	for (size_t i = 0; i < nrecs; i++)
		n += recs[i].kind == kind;
	return n;
}

/* The n-th (from 0) record of kind; fails when absent. */
static const struct sx_out *nth(uint8_t kind, size_t n)
{
	for (size_t i = 0; i < nrecs; i++)
		if (recs[i].kind == kind && n-- == 0)
			return &recs[i];
	fail_msg("no record of kind %u #%zu", kind, n);
	return NULL;
}

/*
 * The order an order command is about, in its final state: GET_ORDER's
 * item, else the command's last order event of the reply's order id
 * (output.h: PLACE/CANCEL/AMEND emit no item, reply.a = the order id).
 */
static const struct sx_order_view *item_order(void)
{
	const struct sx_reply_view *r = &recs[nrecs - 1].u.reply;
	if (r->cmd_type == SX_CMD_GET_ORDER) {
		assert_int_equal(count_kind(SX_OUT_IT_ORDER), 1);
		assert_int_equal(nth(SX_OUT_IT_ORDER, 0)->u.order.id, (uint64_t)r->a);
		return &nth(SX_OUT_IT_ORDER, 0)->u.order;
	}
	assert_int_equal(count_kind(SX_OUT_IT_ORDER), 0);
	for (size_t i = nrecs; i-- > 0;)
		if (recs[i].kind == SX_OUT_EV_ORDER && recs[i].u.order.id == (uint64_t)r->a)
			return &recs[i].u.order;
	fail_msg("seq %llu: no order event for order %lld", (unsigned long long)seq,
		 (long long)r->a);
	return NULL;
}

static const struct sx_order_view *ev_order(size_t n)
{
	return &nth(SX_OUT_EV_ORDER, n)->u.order;
}

static const struct sx_trade_view *trade(size_t n)
{
	return &nth(SX_OUT_EV_TRADE, n)->u.trade;
}

static uint32_t user(const char *name)
{
	uint32_t h = sx_engine_find_user(eng, name, strlen(name));
	assert_int_not_equal(h, SX_ACCT_NONE);
	return h;
}

static int64_t avail(uint32_t acct, uint16_t asset)
{
	int64_t a, l;
	assert_int_equal(sx_engine_balance(eng, acct, asset, &a, &l), 0);
	return a;
}

static int64_t locked(uint32_t acct, uint16_t asset)
{
	int64_t a, l;
	assert_int_equal(sx_engine_balance(eng, acct, asset, &a, &l), 0);
	return l;
}

#define AV(name, asset) avail(user(name), (asset))
#define LK(name, asset) locked(user(name), (asset))

static void expect_ok(const struct sx_reply_view *r)
{
	if (r->code != SX_OK)
		fail_msg("seq %llu: expected ok, got %s (field %u detail %u a %lld b %lld)",
			 (unsigned long long)seq, sx_code_name((enum sx_code)r->code), r->field,
			 r->detail, (long long)r->a, (long long)r->b);
}

static void expect_code(const struct sx_reply_view *r, enum sx_code code)
{
	if (r->code != code)
		fail_msg("seq %llu: expected %s, got %s", (unsigned long long)seq,
			 sx_code_name(code), sx_code_name((enum sx_code)r->code));
}

/* The order item of an accepted order command: id, status, filled, remaining. */
static void expect_order(const struct sx_reply_view *r, uint64_t id, enum sx_status st,
			 int64_t filled, int64_t remaining)
{
	expect_ok(r);
	const struct sx_order_view *o = item_order();
	if (o->id != id || o->status != st || o->filled != filled || o->remaining != remaining)
		fail_msg("seq %llu: order item id %llu status %s filled %lld remaining %lld; "
			 "want id %llu status %s filled %lld remaining %lld",
			 (unsigned long long)seq, (unsigned long long)o->id,
			 sx_status_name((enum sx_status)o->status), (long long)o->filled,
			 (long long)o->remaining, (unsigned long long)id, sx_status_name(st),
			 (long long)filled, (long long)remaining);
}

/* fund a seller with SOL */
static void give_sol(const char *name, int64_t sol_minor)
{
	expect_ok(deposit(name, SOL, sol_minor));
}

/* ------------------------------------------------------------------ */
/* accounts and funds                                                  */

static void test_deposit_withdraw(void **state)
{
	(void)state;
	start_fees(0, 0);
	const struct sx_reply_view *r = deposit("alice", SOL, 10000000000ll);
	expect_ok(r);
	/* ACCOUNT, balance USDC (demo), balance SOL, reply */
	assert_int_equal(nrecs, 4);
	assert_int_equal(recs[0].kind, SX_OUT_ACCOUNT);
	assert_int_equal(recs[0].u.account.account, 3);
	assert_int_equal(recs[0].u.account.len, 5);
	assert_memory_equal(recs[0].u.account.name, "alice", 5);
	assert_int_equal(recs[1].kind, SX_OUT_EV_BALANCE);
	assert_int_equal(recs[1].u.balance.account, 3);
	assert_int_equal(recs[1].u.balance.asset, USDC);
	assert_int_equal(recs[1].u.balance.available, DEMO);
	assert_int_equal(recs[1].u.balance.locked, 0);
	assert_int_equal(recs[2].u.balance.asset, SOL);
	assert_int_equal(recs[2].u.balance.available, 10000000000ll);
	assert_int_equal(r->account, 3);
	assert_int_equal(r->asset, SOL);
	assert_int_equal(r->a, 10000000000ll);
	assert_int_equal(r->b, 0);
	assert_int_equal(sx_engine_user_count(eng), 1);
	assert_true(sx_engine_supply(eng, USDC) == DEMO);
	assert_true(sx_engine_supply(eng, SOL) == 10000000000ll);

	/* second deposit: no account record, one balance event */
	r = deposit("alice", SOL, 5);
	expect_ok(r);
	assert_int_equal(nrecs, 2);
	assert_int_equal(r->a, 10000000005ll);

	/* withdraw more than available */
	r = withdraw("alice", SOL, 10000000006ll);
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	assert_int_equal(r->asset, SOL);
	assert_int_equal(r->a, 10000000005ll);
	assert_int_equal(r->b, 10000000006ll);
	r = withdraw("alice", SOL, 10000000005ll);
	expect_ok(r);
	assert_int_equal(r->a, 0);
	assert_true(sx_engine_supply(eng, SOL) == 0);

	/* a new user may withdraw from the demo credit; the account is created */
	r = withdraw("carol", USDC, 1000000000);
	expect_ok(r);
	assert_int_equal(recs[0].kind, SX_OUT_ACCOUNT);
	assert_int_equal(count_kind(SX_OUT_EV_BALANCE), 1);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 0)->u.balance.available, 4000000000ll);
	assert_int_equal(AV("carol", USDC), 4000000000ll);
	assert_true(sx_engine_supply(eng, USDC) == 2 * DEMO - 1000000000);

	/* a new user's rejected withdraw creates nothing */
	r = withdraw("dave", SOL, 1);
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	assert_int_equal(sx_engine_find_user(eng, "dave", 4), SX_ACCT_NONE);
	r = withdraw("dave", USDC, DEMO + 1);
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	assert_int_equal(r->a, DEMO);
	assert_int_equal(r->b, DEMO + 1);
	assert_int_equal(sx_engine_user_count(eng), 2);
	assert_true(sx_engine_supply(eng, USDC) == 2 * DEMO - 1000000000);

	/* range re-checks of hand-built records */
	expect_code(deposit("alice", 99, 1), SX_UNKNOWN_ASSET);
	expect_code(deposit("alice", SOL, 0), SX_INVALID_AMOUNT);
	expect_code(deposit("alice", SOL, -5), SX_INVALID_AMOUNT);
	expect_code(deposit("erin", SOL, 0), SX_INVALID_AMOUNT);
	assert_int_equal(sx_engine_user_count(eng), 2);
	struct sx_cmd c = cmd(SX_CMD_DEPOSIT, NULL);
	c.u.funds.asset = SOL;
	c.u.funds.amount = 1;
	r = apply(&c);
	expect_code(r, SX_MISSING_FIELD);
	assert_int_equal(r->field, SX_F_USERID);
	/* deposit overflow */
	expect_ok(deposit("alice", ETH, INT64_MAX - 10));
	r = deposit("carol", ETH, 11);
	expect_code(r, SX_INVALID_NUMBER);
	assert_int_equal(r->field, SX_F_AMOUNT);

	/* a decoder rejection is answered with its code and reqId */
	c = cmd(SX_CMD_REJECTED, "alice");
	c.u.rej.code = SX_INVALID_PRECISION;
	c.u.rej.field = SX_F_QTY;
	c.u.rej.detail = SX_D_NOT_MULTIPLE;
	c.u.rej.orig_type = SX_CMD_PLACE_ORDER;
	memcpy(c.reqid, "r-1", 3);
	c.reqid_len = 3;
	r = apply(&c);
	expect_code(r, SX_INVALID_PRECISION);
	assert_int_equal(r->cmd_type, SX_CMD_REJECTED);
	assert_int_equal(r->orig_type, SX_CMD_PLACE_ORDER);
	assert_int_equal(r->field, SX_F_QTY);
	assert_int_equal(r->detail, SX_D_NOT_MULTIPLE);
	assert_int_equal(r->reqid_len, 3);
	stop();
}

static void test_queries(void **state)
{
	(void)state;
	start_fees(10, 20);
	/* CHECK_BALANCE of a new user: ACCOUNT, its demo balance event, one item
	 * per asset, reply */
	const struct sx_reply_view *r = check_balance("qq");
	expect_ok(r);
	assert_int_equal(nrecs, 1 + 1 + 4 + 1);
	assert_int_equal(recs[0].kind, SX_OUT_ACCOUNT);
	assert_int_equal(recs[1].kind, SX_OUT_EV_BALANCE);
	for (uint16_t s = 0; s < 4; s++) {
		const struct sx_balance_view *b = &recs[2 + s].u.balance;
		assert_int_equal(recs[2 + s].kind, SX_OUT_IT_BALANCE);
		assert_int_equal(b->asset, s);
		assert_int_equal(b->account, 3);
		assert_int_equal(b->available, s == USDC ? DEMO : 0);
		assert_int_equal(b->locked, 0);
	}
	assert_int_equal(r->account, 3);
	/* again: no events now */
	r = check_balance("qq");
	assert_int_equal(nrecs, 5);
	/* CHECK_OPEN_ORDERS of a new user creates it too */
	r = open_orders("qq2");
	expect_ok(r);
	assert_int_equal(nrecs, 3);
	assert_int_equal(sx_engine_user_count(eng), 2);

	give_sol("mm", 100000000000ll);
	expect_ok(place("mm", SX_SELL, 10100, 100));  /* id 1 */
	expect_ok(place("mm", SX_SELL, 10100, 50));   /* id 2 */
	expect_ok(place("mm", SX_SELL, 10200, 200));  /* id 3 */
	expect_ok(place("mm", SX_BUY, 9900, 100));    /* id 4 */
	expect_ok(place("mm", SX_BUY, 9800, 300));    /* id 5 */
	r = open_orders("mm");
	expect_ok(r);
	assert_int_equal(count_kind(SX_OUT_IT_ORDER), 5);
	for (size_t i = 0; i < 5; i++) {
		const struct sx_order_view *o = &nth(SX_OUT_IT_ORDER, i)->u.order;
		assert_int_equal(o->id, i + 1);
		assert_int_equal(o->status, SX_ST_OPEN);
		assert_int_equal(o->user, user("mm"));
	}
	assert_int_equal(nth(SX_OUT_IT_ORDER, 4)->u.order.remaining, 300);

	/* depth: bids best first, then asks best first, levels aggregated */
	r = depth(M_SOL, 20);
	expect_ok(r);
	assert_int_equal(r->market, M_SOL);
	assert_int_equal(count_kind(SX_OUT_IT_LEVEL), 4);
	const struct sx_level_view *l0 = &nth(SX_OUT_IT_LEVEL, 0)->u.level;
	const struct sx_level_view *l1 = &nth(SX_OUT_IT_LEVEL, 1)->u.level;
	const struct sx_level_view *l2 = &nth(SX_OUT_IT_LEVEL, 2)->u.level;
	const struct sx_level_view *l3 = &nth(SX_OUT_IT_LEVEL, 3)->u.level;
	assert_int_equal(l0->side, SX_BUY);
	assert_int_equal(l0->price, 9900);
	assert_int_equal(l0->qty, 100);
	assert_int_equal(l1->price, 9800);
	assert_int_equal(l1->qty, 300);
	assert_int_equal(l2->side, SX_SELL);
	assert_int_equal(l2->price, 10100);
	assert_int_equal(l2->qty, 150);
	assert_int_equal(l3->price, 10200);
	assert_int_equal(l3->qty, 200);
	r = depth(M_SOL, 1);
	assert_int_equal(count_kind(SX_OUT_IT_LEVEL), 2);
	assert_int_equal(nth(SX_OUT_IT_LEVEL, 1)->u.level.price, 10100);
	expect_code(depth(M_SOL, 0), SX_INVALID_NUMBER);
	expect_code(depth(M_SOL, SX_DEPTH_LEVELS_MAX + 1), SX_INVALID_NUMBER);
	expect_code(depth(200, 5), SX_UNKNOWN_MARKET);
	r = depth(M_ETH, 5);
	expect_ok(r);
	assert_int_equal(nrecs, 1);

	/* quote: a buy of 2.00 takes 1.50 @101.00 and 0.50 @102.00 */
	r = quote(M_SOL, SX_BUY, 200);
	expect_ok(r);
	assert_int_equal(nrecs, 1);
	assert_int_equal(r->a, 200);
	/* notional 150*10100*100 + 50*10200*100 = 151,500,000 + 51,000,000 */
	assert_int_equal(r->b, 202500000);
	/* taker fee 20 bps per maker order: 1.00: 202,000; 0.50: 101,000;
	 * 0.50 @102: 102,000 */
	assert_int_equal(r->c, 405000);
	assert_int_equal(r->side, SX_BUY);
	/* more than the book within 5 % of 101.00 (106.05): everything */
	r = quote(M_SOL, SX_BUY, 10000);
	assert_int_equal(r->a, 350);
	/* a sell: protection 99.00 * 0.95 = 94.05: both bid levels */
	r = quote(M_SOL, SX_SELL, 1000);
	assert_int_equal(r->a, 400);
	assert_int_equal(r->b, 100 * 9900 * 100 + 300 * 9800 * 100);
	r = quote(M_ETH, SX_SELL, 1000);
	expect_ok(r);
	assert_int_equal(r->a, 0);
	assert_int_equal(r->b, 0);
	assert_int_equal(r->c, 0);
	expect_code(quote(M_SOL, SX_BUY, 0), SX_INVALID_QUANTITY);
	/* quotes change nothing */
	assert_int_equal(sx_engine_order_count(eng), 5);

	/* GET_ORDER: the owner only */
	r = get_order("mm", 3);
	expect_order(r, 3, SX_ST_OPEN, 0, 200);
	assert_int_equal(count_kind(SX_OUT_EV_ORDER), 0);
	assert_int_equal(item_order()->price, 10200);
	assert_int_equal(item_order()->side, SX_SELL);
	expect_code(get_order("qq", 3), SX_UNKNOWN_ORDER);
	expect_code(get_order("nobody", 3), SX_UNKNOWN_ORDER);
	assert_int_equal(sx_engine_find_user(eng, "nobody", 6), SX_ACCT_NONE);
	expect_code(get_order("mm", 99), SX_UNKNOWN_ORDER);
	stop();
}

/* ------------------------------------------------------------------ */
/* locking                                                             */

static void test_locks(void **state)
{
	(void)state;
	start_fees(10, 20);
	/* buy 1.00 @100.00: 100 USDC + 20 bps reserve = 100.2 USDC */
	const struct sx_reply_view *r = place("alice", SX_BUY, 10000, 100);
	expect_order(r, 1, SX_ST_OPEN, 0, 100);
	assert_int_equal(r->market, M_SOL);
	assert_int_equal(recs[0].kind, SX_OUT_ACCOUNT);
	assert_int_equal(count_kind(SX_OUT_EV_ORDER), 1);
	assert_int_equal(ev_order(0)->status, SX_ST_OPEN);
	assert_int_equal(ev_order(0)->qty, 100);
	assert_int_equal(count_kind(SX_OUT_EV_BALANCE), 1);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 0)->u.balance.locked, 100200000);
	assert_int_equal(AV("alice", USDC), DEMO - 100200000);
	assert_int_equal(LK("alice", USDC), 100200000);
	assert_int_equal(sx_engine_order_count(eng), 1);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_BUY), 10000);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_SELL), 0);

	/* fee reserve floors: 0.01 @0.01: notional 100, fee 0.2 -> 0 */
	r = place("alice", SX_BUY, 1, 1);
	expect_order(r, 2, SX_ST_OPEN, 0, 1);
	assert_int_equal(LK("alice", USDC), 100200000 + 100);
	/* 0.03 @ 1.67: notional 3*167*100 = 50100, fee 100.2 -> 100 */
	r = place("alice", SX_BUY, 167, 3);
	expect_ok(r);
	assert_int_equal(LK("alice", USDC), 100200000 + 100 + 50200);

	/* sell locks base */
	give_sol("bob", 10000000000ll);
	r = place("bob", SX_SELL, 10100, 200);
	expect_order(r, 4, SX_ST_OPEN, 0, 200);
	assert_int_equal(AV("bob", SOL), 8000000000ll);
	assert_int_equal(LK("bob", SOL), 2000000000ll);
	assert_int_equal(AV("bob", USDC), DEMO);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_SELL), 10100);

	/* cancels release everything */
	r = cancel("alice", 1);
	expect_order(r, 1, SX_ST_CANCELLED, 0, 0);
	assert_int_equal(ev_order(0)->status, SX_ST_CANCELLED);
	assert_int_equal(ev_order(0)->qty, 100);
	assert_int_equal(LK("alice", USDC), 100 + 50200);
	expect_ok(cancel("alice", 2));
	expect_ok(cancel("alice", 3));
	assert_int_equal(AV("alice", USDC), DEMO);
	assert_int_equal(LK("alice", USDC), 0);
	expect_code(cancel("alice", 3), SX_UNKNOWN_ORDER);
	expect_code(cancel("alice", 4), SX_UNKNOWN_ORDER); /* bob's */
	expect_code(cancel("zed", 4), SX_UNKNOWN_ORDER);
	assert_int_equal(sx_engine_find_user(eng, "zed", 3), SX_ACCT_NONE);
	r = cancel("bob", 4);
	expect_ok(r);
	assert_int_equal(AV("bob", SOL), 10000000000ll);
	assert_int_equal(LK("bob", SOL), 0);
	assert_int_equal(sx_engine_order_count(eng), 0);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_SELL), 0);
	assert_int_equal(sx_engine_level_count(eng, M_SOL, SX_SELL), 0);

	/* cannot fund: 50.00 @100.00 needs 5000 + 10 USDC */
	r = place("alice", SX_BUY, 10000, 5000);
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	assert_int_equal(r->asset, USDC);
	assert_int_equal(r->a, DEMO);
	assert_int_equal(r->b, 5010000000ll);
	/* exactly enough is fine: 49.90 @100.00 -> 4990 + 9.98 = 4999.98 */
	r = place("alice", SX_BUY, 10000, 4990);
	expect_order(r, 5, SX_ST_OPEN, 0, 4990);
	assert_int_equal(AV("alice", USDC), 20000);
	r = place("bob", SX_SELL, 20000, 1001);
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	assert_int_equal(r->asset, SOL);
	assert_int_equal(r->a, 10000000000ll);
	assert_int_equal(r->b, 10010000000ll);
	/* the rejected orders consumed no id */
	expect_order(place("bob", SX_SELL, 20000, 1000), 6, SX_ST_OPEN, 0, 1000);
	assert_int_equal(AV("bob", SOL), 0);
	stop();
}

/* ------------------------------------------------------------------ */
/* matching, fees, price improvement                                   */

static void test_fill_fees(void **state)
{
	(void)state;
	start_fees(10, 20);
	give_sol("bob", 10000000000ll);
	expect_ok(place("bob", SX_SELL, 10000, 100)); /* id 1: 1.00 @100.00 */
	assert_int_equal(LK("bob", SOL), 1000000000);

	/* alice buys 2.00 @100.50: 1.00 fills at 100.00, 1.00 rests */
	const struct sx_reply_view *r = place("alice", SX_BUY, 10050, 200);
	expect_order(r, 2, SX_ST_PARTIALLY_FILLED, 100, 100);
	/* records: ACCOUNT, trade, maker order, taker order, balances, item, reply */
	assert_int_equal(recs[0].kind, SX_OUT_ACCOUNT);
	assert_int_equal(recs[1].kind, SX_OUT_EV_TRADE);
	assert_int_equal(recs[2].kind, SX_OUT_EV_ORDER);
	assert_int_equal(recs[3].kind, SX_OUT_EV_ORDER);
	const struct sx_trade_view *t = trade(0);
	assert_int_equal(t->trade_id, 1);
	assert_int_equal(t->maker_order, 1);
	assert_int_equal(t->taker_order, 2);
	assert_int_equal(t->price, 10000);
	assert_int_equal(t->qty, 100);
	assert_int_equal(t->maker_fee, 100000); /* 10 bps of 100 USDC */
	assert_int_equal(t->taker_fee, 200000); /* 20 bps */
	assert_int_equal(t->maker_user, user("bob"));
	assert_int_equal(t->taker_user, user("alice"));
	assert_int_equal(t->taker_side, SX_BUY);
	assert_int_equal(t->market, M_SOL);
	assert_int_equal(recs[2].u.order.id, 1);
	assert_int_equal(recs[2].u.order.status, SX_ST_FILLED);
	assert_int_equal(recs[2].u.order.filled, 100);
	assert_int_equal(recs[2].u.order.remaining, 0);
	assert_int_equal(recs[3].u.order.id, 2);
	assert_int_equal(recs[3].u.order.status, SX_ST_PARTIALLY_FILLED);
	assert_int_equal(recs[3].u.order.qty, 200);
	assert_int_equal(recs[3].u.order.filled, 100);
	assert_int_equal(recs[3].u.order.remaining, 100);
	/* balance events in order of first change */
	assert_int_equal(count_kind(SX_OUT_EV_BALANCE), 5);
	const uint32_t alice = user("alice"), bob = user("bob");
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 0)->u.balance.account, alice);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 0)->u.balance.asset, USDC);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 1)->u.balance.account, alice);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 1)->u.balance.asset, SOL);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 2)->u.balance.account, bob);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 2)->u.balance.asset, SOL);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 3)->u.balance.account, bob);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 3)->u.balance.asset, USDC);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 4)->u.balance.account, SX_ACCT_FEES);
	assert_int_equal(nth(SX_OUT_EV_BALANCE, 4)->u.balance.asset, USDC);
	/* alice locked 2.00 @100.50 + 20 bps = 201.402 USDC; paid 100.2;
	 * the remainder needs 100.701; the price improvement 0.501 came back */
	assert_int_equal(LK("alice", USDC), 100701000);
	assert_int_equal(AV("alice", USDC), DEMO - 201402000 + 501000);
	assert_int_equal(AV("alice", SOL), 1000000000);
	assert_int_equal(LK("bob", SOL), 0);
	assert_int_equal(AV("bob", SOL), 9000000000ll);
	assert_int_equal(AV("bob", USDC), DEMO + 100000000 - 100000);
	assert_int_equal(avail(SX_ACCT_FEES, USDC), 300000);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_BUY), 10050);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_SELL), 0);
	assert_int_equal(sx_engine_order_count(eng), 1);

	/* carol sells 1.00 @100.00 into alice's bid: trade at 100.50; alice is
	 * maker now (10 bps = 0.1005), the 0.1005 of reserve above comes back */
	give_sol("carol", 1000000000);
	r = place("carol", SX_SELL, 10000, 100);
	expect_order(r, 3, SX_ST_FILLED, 100, 0);
	t = trade(0);
	assert_int_equal(t->trade_id, 2);
	assert_int_equal(t->price, 10050);
	assert_int_equal(t->maker_fee, 100500);
	assert_int_equal(t->taker_fee, 201000);
	assert_int_equal(t->taker_side, SX_SELL);
	assert_int_equal(LK("alice", USDC), 0);
	assert_int_equal(AV("alice", USDC), DEMO - 100200000 - 100600500);
	assert_int_equal(AV("alice", SOL), 2000000000);
	assert_int_equal(AV("carol", USDC), DEMO + 100500000 - 201000);
	assert_int_equal(AV("carol", SOL), 0);
	assert_int_equal(LK("carol", SOL), 0);
	assert_int_equal(avail(SX_ACCT_FEES, USDC), 300000 + 301500);
	assert_int_equal(sx_engine_order_count(eng), 0);

	/* a taker sell walks the bids at the makers' prices, best first */
	expect_ok(place("alice", SX_BUY, 9900, 100)); /* id 4 */
	expect_ok(place("alice", SX_BUY, 9800, 100)); /* id 5 */
	expect_ok(place("alice", SX_BUY, 9950, 50));  /* id 6 */
	give_sol("carol", 3000000000ll);
	r = place("carol", SX_SELL, 9800, 300);
	expect_order(r, 7, SX_ST_PARTIALLY_FILLED, 250, 50);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 3);
	assert_int_equal(trade(0)->maker_order, 6);
	assert_int_equal(trade(0)->price, 9950);
	assert_int_equal(trade(0)->qty, 50);
	assert_int_equal(trade(1)->maker_order, 4);
	assert_int_equal(trade(2)->maker_order, 5);
	assert_int_equal(trade(2)->price, 9800);
	assert_int_equal(trade(2)->trade_id, 5);
	/* the remaining 0.50 rests as the best ask, half a SOL locked */
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_SELL), 9800);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_BUY), 0);
	assert_int_equal(LK("carol", SOL), 500000000);
	assert_int_equal(AV("carol", SOL), 0);
	stop();
}

/* ------------------------------------------------------------------ */
/* priority                                                            */

static void test_fifo(void **state)
{
	(void)state;
	start_fees(10, 20);
	const char *m[] = {"m1", "m2", "m3", "m4"};
	for (int i = 0; i < 4; i++)
		give_sol(m[i], 1000000000);
	expect_order(place("m1", SX_SELL, 10000, 100), 1, SX_ST_OPEN, 0, 100);
	expect_order(place("m2", SX_SELL, 10000, 100), 2, SX_ST_OPEN, 0, 100);
	expect_order(place("m3", SX_SELL, 10000, 100), 3, SX_ST_OPEN, 0, 100);
	expect_order(place("m4", SX_SELL, 9990, 100), 4, SX_ST_OPEN, 0, 100);
	assert_int_equal(sx_engine_level_count(eng, M_SOL, SX_SELL), 2);
	/* 2.50: the better price first, then time order at 100.00 */
	const struct sx_reply_view *r = place("t1", SX_BUY, 10000, 250);
	expect_order(r, 5, SX_ST_FILLED, 250, 0);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 3);
	assert_int_equal(trade(0)->maker_order, 4);
	assert_int_equal(trade(0)->price, 9990);
	assert_int_equal(trade(1)->maker_order, 1);
	assert_int_equal(trade(1)->qty, 100);
	assert_int_equal(trade(2)->maker_order, 2);
	assert_int_equal(trade(2)->qty, 50);
	/* event order: trade, its maker's order event, ..., the taker's last */
	assert_int_equal(recs[1].kind, SX_OUT_EV_TRADE);
	assert_int_equal(recs[2].kind, SX_OUT_EV_ORDER);
	assert_int_equal(recs[2].u.order.id, 4);
	assert_int_equal(recs[6].kind, SX_OUT_EV_ORDER);
	assert_int_equal(recs[6].u.order.id, 2);
	assert_int_equal(recs[6].u.order.status, SX_ST_PARTIALLY_FILLED);
	assert_int_equal(recs[6].u.order.remaining, 50);
	assert_int_equal(recs[7].kind, SX_OUT_EV_ORDER);
	assert_int_equal(recs[7].u.order.id, 5);
	assert_int_equal(recs[7].u.order.status, SX_ST_FILLED);
	assert_int_equal(sx_engine_level_count(eng, M_SOL, SX_SELL), 1);
	/* taker paid 99.90 + 150.00 and 20 bps of it; lock 250.5 released */
	assert_int_equal(AV("t1", USDC), DEMO - 249900000 - 499800);
	assert_int_equal(LK("t1", USDC), 0);
	/* the partly filled m2 keeps its place ahead of m3 */
	r = place("t2", SX_BUY, 10000, 60);
	expect_order(r, 6, SX_ST_FILLED, 60, 0);
	assert_int_equal(trade(0)->maker_order, 2);
	assert_int_equal(trade(0)->qty, 50);
	assert_int_equal(trade(1)->maker_order, 3);
	assert_int_equal(trade(1)->qty, 10);
	assert_int_equal(LK("m3", SOL), 900000000);
	stop();
}

static void test_amend(void **state)
{
	(void)state;
	start_fees(10, 20);
	give_sol("m1", 10000000000ll);
	give_sol("m2", 10000000000ll);
	expect_ok(place("m1", SX_SELL, 10000, 200)); /* id 1 */
	expect_ok(place("m2", SX_SELL, 10000, 100)); /* id 2 */

	/* a smaller qty keeps priority; the lock follows */
	const struct sx_reply_view *r = amend("m1", 1, 100, -1);
	expect_order(r, 1, SX_ST_OPEN, 0, 100);
	assert_int_equal(count_kind(SX_OUT_EV_ORDER), 1);
	assert_int_equal(ev_order(0)->qty, 100);
	assert_int_equal(LK("m1", SOL), 1000000000);
	assert_int_equal(AV("m1", SOL), 9000000000ll);
	r = place("t", SX_BUY, 10000, 100); /* id 3 */
	expect_ok(r);
	assert_int_equal(trade(0)->maker_order, 1);

	/* a larger qty loses it */
	expect_ok(place("m1", SX_SELL, 10000, 100)); /* id 4, behind id 2 */
	r = amend("m2", 2, 150, -1);
	expect_order(r, 2, SX_ST_OPEN, 0, 150);
	assert_int_equal(LK("m2", SOL), 1500000000);
	r = place("t", SX_BUY, 10000, 100); /* id 5 */
	expect_ok(r);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 1);
	assert_int_equal(trade(0)->maker_order, 4);

	/* another price loses it, even when moved back */
	expect_ok(place("m1", SX_SELL, 10000, 100)); /* id 6, behind id 2 */
	r = amend("m2", 2, -1, 10100);
	expect_order(r, 2, SX_ST_OPEN, 0, 150);
	assert_int_equal(item_order()->price, 10100);
	assert_int_equal(sx_engine_level_count(eng, M_SOL, SX_SELL), 2);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_SELL), 10000);
	expect_ok(amend("m2", 2, -1, 10000));
	assert_int_equal(sx_engine_level_count(eng, M_SOL, SX_SELL), 1);
	r = place("t", SX_BUY, 10000, 100); /* id 7 */
	assert_int_equal(trade(0)->maker_order, 6);

	/* a partly filled order: qty is the new remaining quantity */
	r = place("t", SX_BUY, 10000, 50); /* id 8: 0.50 of id 2 */
	assert_int_equal(trade(0)->maker_order, 2);
	r = amend("m2", 2, 30, -1);
	expect_order(r, 2, SX_ST_PARTIALLY_FILLED, 50, 30);
	assert_int_equal(item_order()->qty, 80);
	assert_int_equal(LK("m2", SOL), 300000000);
	/* no change at all is accepted and keeps everything, the place in the
	 * queue included */
	expect_ok(place("m1", SX_SELL, 10000, 10)); /* id 9, behind id 2 */
	r = amend("m2", 2, 30, 10000);
	expect_order(r, 2, SX_ST_PARTIALLY_FILLED, 50, 30);
	assert_int_equal(count_kind(SX_OUT_EV_BALANCE), 0);
	r = amend("m2", 2, 30, -1);
	expect_order(r, 2, SX_ST_PARTIALLY_FILLED, 50, 30);
	r = place("t", SX_BUY, 10000, 1); /* id 10 */
	assert_int_equal(trade(0)->maker_order, 2);
	expect_ok(cancel("m1", 9));

	/* zero cancels */
	r = amend("m2", 2, 0, -1);
	expect_order(r, 2, SX_ST_CANCELLED, 51, 0);
	assert_int_equal(ev_order(0)->status, SX_ST_CANCELLED);
	assert_int_equal(LK("m2", SOL), 0);
	assert_int_equal(sx_engine_order_count(eng), 0);
	expect_code(amend("m2", 2, 10, -1), SX_UNKNOWN_ORDER);

	/* a buy's lock follows price and qty exactly */
	r = place("b", SX_BUY, 9900, 100); /* id 11: 99 + 0.198 */
	expect_order(r, 11, SX_ST_OPEN, 0, 100);
	assert_int_equal(LK("b", USDC), 99198000);
	r = amend("b", 11, 200, 9950);
	expect_order(r, 11, SX_ST_OPEN, 0, 200);
	assert_int_equal(LK("b", USDC), 199000000 + 398000);
	assert_int_equal(AV("b", USDC), DEMO - 199398000);
	r = amend("b", 11, -1, 9000);
	assert_int_equal(LK("b", USDC), 180000000 + 360000);

	/* an amend that crosses trades at the maker's price */
	expect_ok(place("m1", SX_SELL, 10000, 100)); /* id 12 */
	r = amend("b", 11, -1, 10100);
	expect_order(r, 11, SX_ST_PARTIALLY_FILLED, 100, 100);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 1);
	assert_int_equal(trade(0)->price, 10000);
	assert_int_equal(trade(0)->maker_order, 12);
	assert_int_equal(trade(0)->taker_order, 11);
	assert_int_equal(trade(0)->taker_fee, 200000);
	assert_int_equal(trade(0)->taker_side, SX_BUY);
	/* paid 100.2, the rest 1.00 @101 + 0.202 stays locked */
	assert_int_equal(LK("b", USDC), 101202000);
	assert_int_equal(AV("b", USDC), DEMO - 100200000 - 101202000);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_BUY), 10100);
	expect_ok(place("m1", SX_SELL, 10200, 100)); /* id 13 */
	r = amend("b", 11, 100, 10200); /* crosses and fills completely */
	expect_order(r, 11, SX_ST_FILLED, 200, 0);
	assert_int_equal(LK("b", USDC), 0);
	assert_int_equal(sx_engine_order_count(eng), 0);
	assert_int_equal(AV("b", SOL), 2000000000);

	/* rejections change nothing */
	expect_ok(place("b", SX_BUY, 9000, 100)); /* id 14 */
	expect_code(amend("m1", 14, 50, -1), SX_UNKNOWN_ORDER);
	expect_code(amend("b", 1001, 50, -1), SX_UNKNOWN_ORDER);
	expect_code(amend("ghost", 14, 50, -1), SX_UNKNOWN_ORDER);
	assert_int_equal(sx_engine_find_user(eng, "ghost", 5), SX_ACCT_NONE);
	int64_t av = AV("b", USDC), lk = LK("b", USDC);
	r = amend("b", 14, 100000, -1); /* 1000 SOL @90 */
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	assert_int_equal(r->asset, USDC);
	assert_int_equal(r->a, av);
	assert_int_equal(r->b, 90180000000ll - lk);
	struct sx_cmd c = order_cmd(SX_CMD_AMEND_ORDER, "b", 14, NULL);
	r = apply(&c);
	expect_code(r, SX_MISSING_FIELD);
	c.u.order.has_qty = 1;
	c.u.order.qty = -1;
	expect_code(apply(&c), SX_INVALID_QUANTITY);
	c.u.order.has_qty = 0;
	c.u.order.has_price = 1;
	c.u.order.price = 0;
	expect_code(apply(&c), SX_INVALID_PRICE);
	c.u.order.market = 7;
	c.u.order.price = 100;
	expect_code(apply(&c), SX_UNKNOWN_MARKET);
	c.u.order.market = M_ETH; /* the order is in another market */
	expect_code(apply(&c), SX_UNKNOWN_ORDER);
	assert_int_equal(AV("b", USDC), av);
	assert_int_equal(LK("b", USDC), lk);

	/* by client order id; a post-only amended across is WOULD_CROSS */
	r = place_x("b", SX_BUY, 9000, 100,
		    (struct popts){.tif = SX_POST_ONLY, .coid = "po-1"}); /* id 15 */
	expect_order(r, 15, SX_ST_OPEN, 0, 100);
	assert_int_equal(item_order()->coid_len, 4);
	assert_memory_equal(item_order()->coid, "po-1", 4);
	expect_ok(place("m1", SX_SELL, 9500, 100)); /* id 16 */
	r = amend_ref("b", 0, "po-1", -1, 9500);
	expect_code(r, SX_WOULD_CROSS);
	r = amend_ref("b", 0, "po-1", 50, 9400);
	expect_order(r, 15, SX_ST_OPEN, 0, 50);
	assert_int_equal(item_order()->price, 9400);
	expect_code(amend_ref("b", 0, "po-2", 50, -1), SX_UNKNOWN_ORDER);
	expect_code(amend_ref("m1", 0, "po-1", 50, -1), SX_UNKNOWN_ORDER);
	stop();
}

/* ------------------------------------------------------------------ */
/* self-trade prevention                                               */

static void test_stp(void **state)
{
	(void)state;
	start_fees(10, 20);
	give_sol("alice", 1000000000);
	give_sol("bob", 1000000000);
	expect_ok(place("alice", SX_SELL, 10000, 100)); /* id 1 */
	expect_ok(place("bob", SX_SELL, 10000, 100));   /* id 2 */
	/* cancel_maker (default): alice's own ask is cancelled, bob's trades */
	const struct sx_reply_view *r = place("alice", SX_BUY, 10000, 200); /* id 3 */
	expect_order(r, 3, SX_ST_PARTIALLY_FILLED, 100, 100);
	assert_int_equal(recs[0].kind, SX_OUT_EV_ORDER);
	assert_int_equal(recs[0].u.order.id, 1);
	assert_int_equal(recs[0].u.order.status, SX_ST_CANCELLED);
	assert_int_equal(recs[1].kind, SX_OUT_EV_TRADE);
	assert_int_equal(recs[1].u.trade.maker_order, 2);
	assert_int_equal(recs[2].u.order.id, 2);
	assert_int_equal(recs[2].u.order.status, SX_ST_FILLED);
	assert_int_equal(recs[3].u.order.id, 3);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 1);
	assert_int_equal(LK("alice", SOL), 0);
	assert_int_equal(AV("alice", SOL), 2000000000);
	assert_int_equal(LK("alice", USDC), 100200000);
	assert_int_equal(sx_engine_order_count(eng), 1);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_BUY), 10000);

	/* cancel_taker: the incoming order is cancelled at its own bid */
	r = place_x("alice", SX_SELL, 9900, 50, (struct popts){.stp = SX_STP_CANCEL_TAKER});
	expect_order(r, 4, SX_ST_CANCELLED, 0, 0);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 0);
	assert_int_equal(count_kind(SX_OUT_EV_ORDER), 1);
	assert_int_equal(ev_order(0)->id, 4);
	assert_int_equal(ev_order(0)->qty, 50);
	assert_int_equal(count_kind(SX_OUT_EV_BALANCE), 0); /* locked, then released */
	assert_int_equal(sx_engine_order_count(eng), 1);
	assert_int_equal(AV("alice", SOL), 2000000000);
	assert_int_equal(LK("alice", SOL), 0);

	/* cancel_taker after a partial fill with another user */
	expect_ok(place("bob", SX_BUY, 10050, 50)); /* id 5, ahead of alice's bid */
	r = place_x("alice", SX_SELL, 9900, 100, (struct popts){.stp = SX_STP_CANCEL_TAKER});
	expect_order(r, 6, SX_ST_CANCELLED, 50, 0);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 1);
	assert_int_equal(trade(0)->maker_order, 5);
	assert_int_equal(trade(0)->price, 10050);
	assert_int_equal(ev_order(1)->id, 6);
	assert_int_equal(ev_order(1)->status, SX_ST_CANCELLED);
	assert_int_equal(ev_order(1)->filled, 50);
	assert_int_equal(ev_order(1)->qty, 100);
	assert_int_equal(AV("alice", SOL), 1500000000);
	assert_int_equal(LK("alice", SOL), 0);
	assert_int_equal(sx_engine_order_count(eng), 1); /* alice's bid id 3 */

	/* cancel_maker with several own orders on several levels */
	expect_ok(place("alice", SX_SELL, 10100, 50)); /* id 7 */
	expect_ok(place("alice", SX_SELL, 10200, 50)); /* id 8 */
	expect_ok(place("bob", SX_SELL, 10200, 50));   /* id 9 */
	r = place("alice", SX_BUY, 10200, 50); /* id 10 */
	expect_order(r, 10, SX_ST_FILLED, 50, 0);
	assert_int_equal(ev_order(0)->id, 7);
	assert_int_equal(ev_order(0)->status, SX_ST_CANCELLED);
	assert_int_equal(ev_order(1)->id, 8);
	assert_int_equal(ev_order(1)->status, SX_ST_CANCELLED);
	assert_int_equal(trade(0)->maker_order, 9);
	assert_int_equal(LK("alice", SOL), 0);
	stop();
}

/* ------------------------------------------------------------------ */
/* time in force                                                       */

static void test_fok(void **state)
{
	(void)state;
	start_fees(10, 20);
	give_sol("alice", 5000000000ll);
	give_sol("bob", 5000000000ll);
	expect_ok(place("bob", SX_SELL, 10000, 100));   /* id 1 */
	expect_ok(place("alice", SX_SELL, 10000, 100)); /* id 2 */
	expect_ok(check_balance("carol"));
	/* only other users' liquidity counts */
	const struct sx_reply_view *r = place_tif("alice", SX_BUY, 10000, 200, SX_FOK);
	expect_order(r, 3, SX_ST_EXPIRED, 0, 0);
	assert_int_equal(nrecs, 2); /* order event, reply: nothing moved */
	assert_int_equal(ev_order(0)->status, SX_ST_EXPIRED);
	assert_int_equal(ev_order(0)->qty, 200);
	assert_int_equal(ev_order(0)->tif, SX_FOK);
	assert_int_equal(sx_engine_order_count(eng), 2);
	r = place_tif("carol", SX_BUY, 10000, 201, SX_FOK);
	expect_order(r, 4, SX_ST_EXPIRED, 0, 0);
	assert_int_equal(nrecs, 2);
	r = place_tif("carol", SX_BUY, 9999, 200, SX_FOK); /* price excludes the asks */
	expect_order(r, 5, SX_ST_EXPIRED, 0, 0);
	assert_int_equal(AV("carol", USDC), DEMO);
	/* enough: fills completely */
	r = place_tif("carol", SX_BUY, 10000, 200, SX_FOK);
	expect_order(r, 6, SX_ST_FILLED, 200, 0);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 2);
	assert_int_equal(AV("carol", USDC), DEMO - 200400000);
	assert_int_equal(LK("carol", USDC), 0);
	assert_int_equal(sx_engine_order_count(eng), 0);

	/* cancel_taker: blocked by its own better order, it expires untouched */
	expect_ok(place("alice", SX_SELL, 9900, 100)); /* id 7 */
	expect_ok(place("bob", SX_SELL, 9950, 100));   /* id 8 */
	r = place_x("alice", SX_BUY, 10000, 100,
		    (struct popts){.tif = SX_FOK, .stp = SX_STP_CANCEL_TAKER});
	expect_order(r, 9, SX_ST_EXPIRED, 0, 0);
	assert_int_equal(nrecs, 2);
	assert_int_equal(sx_engine_order_count(eng), 2);
	/* cancel_maker: its own order is cancelled, bob's fills it */
	r = place_tif("alice", SX_BUY, 10000, 100, SX_FOK);
	expect_order(r, 10, SX_ST_FILLED, 100, 0);
	assert_int_equal(ev_order(0)->id, 7);
	assert_int_equal(ev_order(0)->status, SX_ST_CANCELLED);
	assert_int_equal(trade(0)->maker_order, 8);
	assert_int_equal(trade(0)->price, 9950);
	assert_int_equal(sx_engine_order_count(eng), 0);
	stop();
}

static void test_ioc(void **state)
{
	(void)state;
	start_fees(10, 20);
	give_sol("bob", 5000000000ll);
	expect_ok(check_balance("alice"));
	expect_ok(place("bob", SX_SELL, 10000, 100)); /* id 1 */
	const struct sx_reply_view *r = place_tif("alice", SX_BUY, 10100, 200, SX_IOC);
	expect_order(r, 2, SX_ST_EXPIRED, 100, 0);
	assert_int_equal(ev_order(1)->id, 2);
	assert_int_equal(ev_order(1)->status, SX_ST_EXPIRED);
	assert_int_equal(ev_order(1)->qty, 200);
	assert_int_equal(ev_order(1)->filled, 100);
	assert_int_equal(ev_order(1)->remaining, 0);
	assert_int_equal(AV("alice", USDC), DEMO - 100200000);
	assert_int_equal(LK("alice", USDC), 0);
	assert_int_equal(AV("alice", SOL), 1000000000);
	assert_int_equal(sx_engine_order_count(eng), 0);
	/* nothing to trade: expires, nothing changes */
	r = place_tif("alice", SX_BUY, 9900, 100, SX_IOC);
	expect_order(r, 3, SX_ST_EXPIRED, 0, 0);
	assert_int_equal(count_kind(SX_OUT_EV_BALANCE), 0);
	/* a sell IOC */
	expect_ok(place("bob", SX_BUY, 9900, 30)); /* id 4 */
	r = place_tif("alice", SX_SELL, 9800, 100, SX_IOC);
	expect_order(r, 5, SX_ST_EXPIRED, 30, 0);
	assert_int_equal(AV("alice", SOL), 700000000);
	assert_int_equal(LK("alice", SOL), 0);
	/* an IOC must still be fundable in full */
	r = place_tif("alice", SX_SELL, 9800, 101, SX_IOC);
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	stop();
}

static void test_post_only(void **state)
{
	(void)state;
	start_fees(10, 20);
	give_sol("bob", 5000000000ll);
	expect_ok(place("bob", SX_SELL, 10000, 100)); /* id 1 */
	const struct sx_reply_view *r = place_tif("alice", SX_BUY, 10000, 100, SX_POST_ONLY);
	expect_code(r, SX_WOULD_CROSS);
	assert_int_equal(sx_engine_user_count(eng), 1);
	r = place_tif("alice", SX_BUY, 9999, 100, SX_POST_ONLY);
	expect_order(r, 2, SX_ST_OPEN, 0, 100);
	assert_int_equal(item_order()->tif, SX_POST_ONLY);
	assert_int_equal(LK("alice", USDC), 99990000 + 199980);
	/* crossing another user's or one's own order */
	expect_code(place_tif("bob", SX_SELL, 9999, 100, SX_POST_ONLY), SX_WOULD_CROSS);
	expect_code(place_tif("bob", SX_BUY, 10000, 100, SX_POST_ONLY), SX_WOULD_CROSS);
	expect_code(place_tif("bob", SX_BUY, 10001, 1, SX_POST_ONLY), SX_WOULD_CROSS);
	/* funds are checked before the cross */
	r = place_tif("bob", SX_SELL, 9000, 100000, SX_POST_ONLY);
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	r = place_tif("bob", SX_SELL, 10001, 100, SX_POST_ONLY);
	expect_order(r, 3, SX_ST_OPEN, 0, 100);
	assert_int_equal(sx_engine_order_count(eng), 3);
	stop();
}

/* ------------------------------------------------------------------ */
/* market orders                                                       */

static void test_market(void **state)
{
	(void)state;
	start_fees(10, 20);
	/* empty book: accepted, expires at once, gets an id */
	const struct sx_reply_view *r = market("alice", SX_BUY, 100);
	expect_order(r, 1, SX_ST_EXPIRED, 0, 0);
	assert_int_equal(ev_order(0)->otype, SX_MARKET);
	assert_int_equal(ev_order(0)->price, 0);
	assert_int_equal(ev_order(0)->qty, 100);
	assert_int_equal(AV("alice", USDC), DEMO);
	/* a market sell of more base than available */
	r = market("alice", SX_SELL, 100);
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	assert_int_equal(r->asset, SOL);
	assert_int_equal(r->a, 0);
	assert_int_equal(r->b, 1000000000);

	/* protection: best 100.00 + 5 % = 105.00 */
	give_sol("bob", 10000000000ll);
	expect_ok(place("bob", SX_SELL, 10000, 100)); /* id 2 */
	expect_ok(place("bob", SX_SELL, 10400, 100)); /* id 3 */
	expect_ok(place("bob", SX_SELL, 10600, 100)); /* id 4 */
	r = market("alice", SX_BUY, 300);
	expect_order(r, 5, SX_ST_EXPIRED, 200, 0);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 2);
	assert_int_equal(trade(1)->price, 10400);
	assert_int_equal(AV("alice", USDC), DEMO - 100200000 - 104208000);
	assert_int_equal(LK("alice", USDC), 0);
	assert_int_equal(AV("alice", SOL), 2000000000);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_SELL), 10600);
	/* explicit slippage: 106.00 + 0.5 % = 106.53 */
	expect_ok(place("bob", SX_SELL, 10700, 100)); /* id 6 */
	r = place_x("alice", SX_BUY, 0, 200,
		    (struct popts){.otype = SX_MARKET, .has_slip = true, .slip = 50});
	expect_order(r, 7, SX_ST_EXPIRED, 100, 0);
	assert_int_equal(trade(0)->maker_order, 4);
	/* 1 %: 107.06 covers 107.00 */
	r = place_x("alice", SX_BUY, 0, 200,
		    (struct popts){.otype = SX_MARKET, .has_slip = true, .slip = 100});
	expect_order(r, 8, SX_ST_EXPIRED, 100, 0);
	assert_int_equal(trade(0)->maker_order, 6);
	/* fully filled */
	expect_ok(place("bob", SX_SELL, 10000, 100)); /* id 9 */
	r = market("alice", SX_BUY, 60);
	expect_order(r, 10, SX_ST_FILLED, 60, 0);

	/* market sell: protection 100.00 - 5 % = 95.00 */
	r = cancel("bob", 9); /* the rest of id 9, so that the bids below rest */
	expect_order(r, 9, SX_ST_CANCELLED, 60, 0);
	assert_int_equal(sx_engine_order_count(eng), 0);
	expect_ok(place("carol", SX_BUY, 10000, 100)); /* id 11 */
	expect_ok(place("carol", SX_BUY, 9600, 100));  /* id 12 */
	expect_ok(place("carol", SX_BUY, 9499, 100));  /* id 13 */
	int64_t sol = AV("alice", SOL);
	int64_t usdc = AV("alice", USDC);
	r = market("alice", SX_SELL, 300);
	expect_order(r, 14, SX_ST_EXPIRED, 200, 0);
	assert_int_equal(trade(0)->price, 10000);
	assert_int_equal(trade(1)->price, 9600);
	assert_int_equal(trade(1)->taker_side, SX_SELL);
	assert_int_equal(AV("alice", SOL), sol - 2000000000);
	assert_int_equal(LK("alice", SOL), 0);
	assert_int_equal(AV("alice", USDC), usdc + 100000000 - 200000 + 96000000 - 192000);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_BUY), 9499);
	stop();
}

/* Protection prices round toward the best price: buy floor(best x (1 +
 * slippage)), sell ceil(best x (1 - slippage)). */
static void test_market_protection_rounding(void **state)
{
	(void)state;
	start_fees(0, 0);
	give_sol("s", 10000000000ll);
	expect_ok(place("s", SX_SELL, 10001, 1)); /* id 1 */
	expect_ok(place("s", SX_SELL, 10002, 1)); /* id 2 */
	expect_ok(place("s", SX_SELL, 10003, 1)); /* id 3 */
	/* 100.01 x 1.0001 = 100.020001 -> 100.02 */
	const struct sx_reply_view *r = place_x(
		"b", SX_BUY, 0, 3, (struct popts){.otype = SX_MARKET, .has_slip = true, .slip = 1});
	expect_order(r, 4, SX_ST_EXPIRED, 2, 0);
	assert_int_equal(trade(1)->price, 10002);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_SELL), 10003);
	expect_ok(cancel("s", 3));
	expect_ok(place("b", SX_BUY, 10001, 1)); /* id 5 */
	expect_ok(place("b", SX_BUY, 10000, 1)); /* id 6 */
	expect_ok(place("b", SX_BUY, 9999, 1));  /* id 7 */
	/* 100.01 x 0.9999 = 99.999999 -> 100.00 */
	r = place_x("s", SX_SELL, 0, 3,
		    (struct popts){.otype = SX_MARKET, .has_slip = true, .slip = 1});
	expect_order(r, 8, SX_ST_EXPIRED, 2, 0);
	assert_int_equal(trade(1)->price, 10000);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_BUY), 9999);
	/* slippage 0: the best price only */
	expect_ok(place("b", SX_BUY, 9999, 1)); /* id 9 */
	expect_ok(place("b", SX_BUY, 9998, 1)); /* id 10 */
	r = place_x("s", SX_SELL, 0, 3,
		    (struct popts){.otype = SX_MARKET, .has_slip = true, .slip = 0});
	expect_order(r, 11, SX_ST_EXPIRED, 2, 0);
	assert_int_equal(trade(1)->maker_order, 9);
	/* QUOTE uses the market's default (5 %): 99.98 x 0.95 = 94.981 -> 94.99 */
	expect_ok(place("b", SX_BUY, 9499, 1)); /* id 12 */
	expect_ok(place("b", SX_BUY, 9498, 1)); /* id 13 */
	r = quote(M_SOL, SX_SELL, 10);
	assert_int_equal(r->a, 2);
	stop();
}

static void test_market_funds(void **state)
{
	(void)state;
	start_fees(10, 20);
	give_sol("bob", 10000000000ll);
	expect_ok(place("bob", SX_SELL, 10000, 100)); /* id 1 */
	expect_ok(place("bob", SX_SELL, 10100, 500)); /* id 2 */
	/* 250.5 USDC: 1.00 @100 costs 100.2; then 1.48 @101 costs
	 * 148 * (1.01 + 0.00202) = 149.77896; 1.49 would cost 150.79098 */
	expect_ok(withdraw("poor", USDC, DEMO - 250500000));
	const struct sx_reply_view *r = market("poor", SX_BUY, 500);
	expect_order(r, 3, SX_ST_EXPIRED, 248, 0);
	assert_int_equal(count_kind(SX_OUT_EV_TRADE), 2);
	assert_int_equal(trade(1)->qty, 148);
	assert_int_equal(trade(1)->taker_fee, 298960);
	assert_int_equal(AV("poor", USDC), 521040);
	assert_int_equal(LK("poor", USDC), 0);
	assert_int_equal(AV("poor", SOL), 2480000000ll);
	assert_int_equal(sx_engine_best_price(eng, M_SOL, SX_SELL), 10100);

	/* cannot pay one lot at the best price (1.01 + 0.00202) */
	expect_ok(withdraw("broke", USDC, DEMO - 1012019));
	r = market("broke", SX_BUY, 100);
	expect_code(r, SX_INSUFFICIENT_BALANCE);
	assert_int_equal(r->asset, USDC);
	assert_int_equal(r->a, 1012019);
	assert_int_equal(r->b, 1012020);
	expect_ok(deposit("broke", USDC, 1));
	r = market("broke", SX_BUY, 100);
	expect_order(r, 4, SX_ST_EXPIRED, 1, 0);
	assert_int_equal(AV("broke", USDC), 0);
	stop();
}

/*
 * Price-time priority under the market-buy funds limit: when the taker can
 * afford only part of the first maker's order, no later order at the same
 * price may trade ahead of it. Fees floor per trade, so after buying 4 lots
 * from A (4.0084 USDC incl. fee) the 1.0021 USDC left would buy one more
 * lot as a separate trade; the engine stops instead (docs/state-machine.md).
 */
static void test_market_funds_fifo(void **state)
{
	(void)state;
	start_fees(10, 20);
	give_sol("A", 1000000000);
	give_sol("B", 1000000000);
	expect_ok(place("A", SX_SELL, 10001, 10)); /* id 1: 0.10 @100.01 */
	expect_ok(place("B", SX_SELL, 10001, 10)); /* id 2 */
	expect_ok(withdraw("t", USDC, DEMO - 5010500));
	const struct sx_reply_view *r = market("t", SX_BUY, 10);
	expect_ok(r);
	size_t ntr = count_kind(SX_OUT_EV_TRADE);
	int64_t from_a = 0, from_b = 0;
	for (size_t i = 0; i < ntr; i++) {
		if (trade(i)->maker_order == 1)
			from_a += trade(i)->qty;
		else
			from_b += trade(i)->qty;
	}
	/* the engine stops after the funds-limited partial fill of A */
	assert_int_equal(from_b, 0);
	assert_int_equal(from_a, 4);
	assert_int_equal(ntr, 1);
	stop();
}

/* ------------------------------------------------------------------ */
/* capacity, ids, accounts                                             */

static void test_overloaded(void **state)
{
	(void)state;
	struct sx_config c;
	sx_config_defaults(&c);
	c.max_orders = 2;
	c.max_accounts = 2;
	start(&c);
	give_sol("u1", 10000000000ll);
	expect_order(place("u1", SX_SELL, 10000, 100), 1, SX_ST_OPEN, 0, 100);
	expect_order(place("u1", SX_SELL, 10100, 100), 2, SX_ST_OPEN, 0, 100);
	/* the order pool is full: orders that would have to rest are refused */
	const struct sx_reply_view *r = place("u1", SX_SELL, 10200, 100);
	expect_code(r, SX_OVERLOADED);
	r = place_tif("u1", SX_BUY, 9000, 100, SX_POST_ONLY);
	expect_code(r, SX_OVERLOADED);
	/* a new user's refused order creates no account */
	r = place("u2", SX_BUY, 9000, 100);
	expect_code(r, SX_OVERLOADED);
	assert_int_equal(sx_engine_user_count(eng), 1);
	assert_int_equal(sx_engine_find_user(eng, "u2", 2), SX_ACCT_NONE);
	/* a gtc that fills completely now needs no slot */
	r = place("u2", SX_BUY, 10000, 50);
	expect_order(r, 3, SX_ST_FILLED, 50, 0);
	assert_int_equal(sx_engine_user_count(eng), 2);
	/* one that would leave a remainder does */
	expect_code(place("u2", SX_BUY, 10000, 100), SX_OVERLOADED);
	/* ioc, fok and market orders never rest */
	r = place_tif("u2", SX_BUY, 10000, 30, SX_IOC);
	expect_order(r, 4, SX_ST_FILLED, 30, 0);
	r = place_tif("u2", SX_BUY, 10000, 30, SX_FOK);
	expect_order(r, 5, SX_ST_EXPIRED, 0, 0);
	r = market("u2", SX_BUY, 20);
	expect_order(r, 6, SX_ST_FILLED, 20, 0);
	assert_int_equal(sx_engine_order_count(eng), 1);
	/* a slot is free again */
	r = place("u2", SX_BUY, 9000, 100);
	expect_order(r, 7, SX_ST_OPEN, 0, 100);
	expect_code(place("u2", SX_BUY, 9000, 100), SX_OVERLOADED);
	/* the account pool is full: any command of a third user is refused */
	r = deposit("u3", SOL, 1);
	expect_code(r, SX_OVERLOADED);
	assert_int_equal(r->field, SX_F_USERID);
	expect_code(check_balance("u3"), SX_OVERLOADED);
	expect_code(open_orders("u3"), SX_OVERLOADED);
	expect_code(place_tif("u3", SX_BUY, 10100, 1, SX_IOC), SX_OVERLOADED);
	expect_code(withdraw("u3", USDC, 1), SX_OVERLOADED);
	assert_int_equal(sx_engine_user_count(eng), 2);
	assert_int_equal(sx_engine_find_user(eng, "u3", 2), SX_ACCT_NONE);
	/* existing users and queries without users carry on */
	expect_ok(deposit("u1", USDC, 5));
	expect_ok(depth(M_SOL, 5));
	expect_ok(quote(M_SOL, SX_BUY, 5));
	expect_ok(cancel("u1", 2));
	expect_order(place("u1", SX_SELL, 10300, 10), 8, SX_ST_OPEN, 0, 10);
	stop();
}

/* A new user's demo credit may not take the asset's supply past 64 bits. */
static void test_supply_cap(void **state)
{
	(void)state;
	struct sx_config c;
	sx_config_defaults(&c);
	c.max_orders = 100;
	c.max_accounts = 10;
	c.demo_balance = INT64_MAX / 2 + 1;
	start(&c);
	expect_ok(check_balance("a"));
	assert_true(sx_engine_supply(eng, USDC) == INT64_MAX / 2 + 1);
	const struct sx_reply_view *r = check_balance("b");
	expect_code(r, SX_INVALID_NUMBER);
	expect_code(deposit("b", SOL, 1), SX_INVALID_NUMBER);
	assert_int_equal(sx_engine_user_count(eng), 1);
	assert_int_equal(sx_engine_find_user(eng, "b", 1), SX_ACCT_NONE);
	/* deposits of existing users are capped the same way */
	r = deposit("a", USDC, INT64_MAX - (INT64_MAX / 2 + 1));
	expect_ok(r);
	assert_int_equal(r->a, INT64_MAX);
	expect_code(deposit("a", USDC, 1), SX_INVALID_NUMBER);
	assert_true(sx_engine_supply(eng, USDC) == INT64_MAX);
	/* other assets are independent */
	expect_ok(deposit("a", SOL, INT64_MAX));
	stop();
}

static void test_ids_and_accounts(void **state)
{
	(void)state;
	start_fees(0, 0);
	give_sol("s", 10000000000ll);
	expect_order(place("s", SX_SELL, 10000, 100), 1, SX_ST_OPEN, 0, 100);
	/* rejected: no id; accepted-but-expired: id */
	expect_code(place("s", SX_SELL, 10000, 100000), SX_INSUFFICIENT_BALANCE);
	expect_code(place_tif("s", SX_BUY, 10000, 1, SX_POST_ONLY), SX_WOULD_CROSS);
	expect_order(place_tif("b", SX_BUY, 9000, 1, SX_FOK), 2, SX_ST_EXPIRED, 0, 0);
	expect_order(place("b", SX_BUY, 10000, 10), 3, SX_ST_FILLED, 10, 0);
	assert_int_equal(trade(0)->trade_id, 1);
	expect_code(place("b", SX_BUY, 10000, 1000000), SX_INSUFFICIENT_BALANCE);
	expect_order(place("b", SX_BUY, 10000, 10), 4, SX_ST_FILLED, 10, 0);
	assert_int_equal(trade(0)->trade_id, 2);

	/* duplicate client order id among open orders, per user */
	expect_order(place_x("s", SX_SELL, 11000, 1, (struct popts){.coid = "x"}), 5,
		     SX_ST_OPEN, 0, 1);
	const struct sx_reply_view *r = place_x("s", SX_SELL, 11000, 1, (struct popts){.coid = "x"});
	expect_code(r, SX_DUPLICATE_CLIENT_ORDER_ID);
	/* another user may use it (and is created) */
	expect_order(place_x("b", SX_BUY, 9000, 1, (struct popts){.coid = "x"}), 6, SX_ST_OPEN,
		     0, 1);
	/* once finished, the id is free again */
	expect_ok(cancel_coid("s", "x"));
	assert_int_equal(item_order()->id, 5);
	expect_code(cancel_coid("s", "x"), SX_UNKNOWN_ORDER);
	expect_order(place_x("s", SX_SELL, 11000, 1, (struct popts){.coid = "x"}), 7,
		     SX_ST_OPEN, 0, 1);
	/* given both, orderId wins */
	struct sx_cmd c = order_cmd(SX_CMD_GET_ORDER, "s", 1, "x");
	r = apply(&c);
	expect_order(r, 1, SX_ST_PARTIALLY_FILLED, 20, 80);

	/* a rejected command by a new user creates no account, and the next
	 * new user gets the next handle */
	uint32_t n = sx_engine_user_count(eng);
	expect_code(place("newbie", SX_BUY, 10000, 100000), SX_INSUFFICIENT_BALANCE);
	expect_code(cancel("newbie", 1), SX_UNKNOWN_ORDER);
	expect_code(amend("newbie", 1, 5, -1), SX_UNKNOWN_ORDER);
	expect_code(get_order("newbie", 1), SX_UNKNOWN_ORDER);
	assert_int_equal(sx_engine_user_count(eng), n);
	assert_int_equal(sx_engine_find_user(eng, "newbie", 6), SX_ACCT_NONE);
	r = place("newbie2", SX_BUY, 9000, 1);
	expect_ok(r);
	assert_int_equal(recs[0].kind, SX_OUT_ACCOUNT);
	assert_int_equal(recs[0].u.account.account, SX_ACCT_FIRST_USER + n);
	assert_int_equal(user("newbie2"), SX_ACCT_FIRST_USER + n);
	assert_int_equal(r->account, SX_ACCT_FIRST_USER + n);

	/* user ids are compared exactly: 64 bytes, binary */
	char big[SX_USERID_MAX + 1];
	memset(big, 'u', SX_USERID_MAX);
	big[SX_USERID_MAX] = 0;
	expect_ok(check_balance(big));
	big[SX_USERID_MAX - 1] = 'v';
	expect_ok(check_balance(big));
	assert_int_equal(sx_engine_user_count(eng), n + 3);
	c = cmd(SX_CMD_CHECK_BALANCE, "x");
	c.user_len = SX_USERID_MAX + 1;
	r = apply(&c);
	expect_code(r, SX_INVALID_COMMAND);
	assert_int_equal(r->field, SX_F_USERID);
	c = cmd(SX_CMD_CHECK_BALANCE, "s");
	c.reqid_len = SX_REQID_MAX + 1;
	take_snapshot();
	nrecs = 0;
	sx_engine_apply(eng, ++seq, &c);
	assert_int_equal(nrecs, 1);
	assert_int_equal(recs[0].u.reply.code, SX_INVALID_COMMAND);
	assert_int_equal(recs[0].u.reply.field, SX_F_REQID);
	assert_int_equal(recs[0].u.reply.reqid_len, 0);
	/* hand-built out-of-range enums are refused */
	c = place_cmd("s", SX_SELL, 10000, 1, (struct popts){0});
	c.u.place.side = 2;
	expect_code(apply(&c), SX_INVALID_SIDE);
	c = place_cmd("s", SX_SELL, 10000, 1, (struct popts){0});
	c.u.place.otype = 2;
	expect_code(apply(&c), SX_INVALID_ORDER_TYPE);
	c = place_cmd("s", SX_SELL, 10000, 1, (struct popts){.tif = 4});
	expect_code(apply(&c), SX_INVALID_TIF);
	c = place_cmd("s", SX_SELL, 10000, 0, (struct popts){0});
	expect_code(apply(&c), SX_INVALID_QUANTITY);
	c = place_cmd("s", SX_SELL, 0, 1, (struct popts){0});
	expect_code(apply(&c), SX_INVALID_PRICE);
	c = place_cmd("s", SX_SELL, 10000, 1, (struct popts){.market = 3});
	expect_code(apply(&c), SX_UNKNOWN_MARKET);
	c = place_cmd("s", SX_BUY, INT64_MAX / 2, INT64_MAX / 2, (struct popts){0});
	expect_code(apply(&c), SX_INVALID_NUMBER);
	/* none of these used an id */
	expect_order(place("s", SX_SELL, 12000, 1), 9, SX_ST_OPEN, 0, 1);
	stop();
}

/* ------------------------------------------------------------------ */
/* randomized run                                                      */

struct rord {
	bool resting;
	uint32_t user;
	uint16_t market;
	uint8_t side;
	int64_t price, remaining;
};

#define RMAX_IDS 40000
static struct rord rords[RMAX_IDS];

static int64_t ref_buy_need(const struct sx_market_cfg *m, int64_t price, int64_t qty)
{
	__int128 n = (__int128)price * qty * m->unit;
	uint32_t bps = m->maker_fee_bps > m->taker_fee_bps ? m->maker_fee_bps : m->taker_fee_bps;
	return (int64_t)(n + n * bps / 10000);
}

/* Follow the order events; check every user's locked balances equal the
 * locks of their resting orders. */
static void track_and_check_locks(void)
{
	for (size_t i = 0; i < nrecs; i++) {
		if (recs[i].kind != SX_OUT_EV_ORDER)
			continue;
		const struct sx_order_view *o = &recs[i].u.order;
		assert_true(o->id < RMAX_IDS);
		struct rord *x = &rords[o->id];
		x->resting = o->status == SX_ST_OPEN || o->status == SX_ST_PARTIALLY_FILLED;
		x->user = o->user;
		x->market = o->market;
		x->side = o->side;
		x->price = o->price;
		x->remaining = o->remaining;
		assert_int_equal(o->qty, o->filled + (x->resting ? o->remaining : o->qty - o->filled));
		if (!x->resting)
			assert_int_equal(o->remaining, 0);
	}
	static int64_t want[64][SX_MAX_ASSETS];
	memset(want, 0, sizeof(want));
	uint32_t nres = 0;
	for (uint32_t id = 1; id < RMAX_IDS; id++) {
		const struct rord *x = &rords[id];
		if (!x->resting)
			continue;
		nres++;
		const struct sx_market_cfg *m = &cfg.markets[x->market];
		assert_true(x->user < 64);
		if (x->side == SX_BUY)
			want[x->user][m->quote] += ref_buy_need(m, x->price, x->remaining);
		else
			want[x->user][m->base] += x->remaining * m->lot_units;
	}
	assert_int_equal(sx_engine_order_count(eng), nres);
	for (uint32_t a = SX_ACCT_FIRST_USER; a < naccounts(); a++)
		for (uint16_t s = 0; s < cfg.nassets; s++)
			if (locked(a, s) != want[a][s])
				fail_msg("seq %llu: account %u asset %u locked %lld, orders need %lld",
					 (unsigned long long)seq, a, s, (long long)locked(a, s),
					 (long long)want[a][s]);
}

static void test_randomized(void **state)
{
	(void)state;
	struct sx_config c;
	sx_config_defaults(&c);
	c.max_orders = 5000;
	c.max_accounts = 50;
	c.markets[M_SOL].maker_fee_bps = 10;
	c.markets[M_SOL].taker_fee_bps = 20;
	c.markets[M_ETH].maker_fee_bps = 7;
	c.markets[M_ETH].taker_fee_bps = 3;
	start(&c);
	memset(rords, 0, sizeof(rords));
	rng_seed(4242);
	const char *users[] = {"u0", "u1", "u2", "u3", "u4", "u5"};
	const int nu = 6;
	const int64_t mid[2] = {10000, 300000};
	/* everyone starts with some base */
	for (int i = 0; i < nu; i++) {
		expect_ok(deposit(users[i], SOL, 50000000000ll));
		expect_ok(deposit(users[i], ETH, 5000000000ll));
		expect_ok(deposit(users[i], USDC, 20000000000ll));
	}
	expect_ok(deposit("whale", USDC, 1000000000000000ll));
	expect_ok(deposit("whale", SOL, 1000000000000000ll));
	expect_ok(deposit("whale", ETH, 1000000000000000ll));
	track_and_check_locks();
	uint64_t max_id = 1;
	unsigned accepted = 0, fills = 0, quotes_checked = 0;
	const unsigned N = 20000;
	for (unsigned k = 0; k < N; k++) {
		now_ts += 1000;
		const char *u = users[rnd(nu)];
		uint16_t mk = (uint16_t)rnd(2);
		enum sx_side side = (enum sx_side)rnd(2);
		int64_t price = mid[mk] + (int64_t)rnd(101) - 50;
		int64_t qty = (int64_t)rnd(300) + 1;
		unsigned roll = rnd(100);
		const struct sx_reply_view *r;
		if (roll < 4) {
			r = deposit(u, (uint16_t)rnd(3), (int64_t)rnd(1000000000) + 1);
		} else if (roll < 7) {
			r = withdraw(u, (uint16_t)rnd(3), (int64_t)rnd(3000000000u) + 1);
		} else if (roll < 52) {
			static const char *coids[] = {NULL, NULL, NULL, "a", "b", "c"};
			unsigned t = rnd(10);
			struct popts o = {
				.market = mk,
				.tif = (uint8_t)(t < 7 ? SX_GTC : t - 6),
				.stp = (uint8_t)rnd(2),
				.coid = coids[rnd(6)],
			};
			r = place_x(u, side, price, qty, o);
		} else if (roll < 58) {
			struct popts o = {.market = mk, .otype = SX_MARKET, .stp = (uint8_t)rnd(2)};
			if (rnd(2)) {
				o.has_slip = true;
				o.slip = rnd(800);
			}
			r = place_x(u, side, 0, qty, o);
		} else if (roll < 72) {
			uint64_t id = rnd((uint32_t)max_id) + 1;
			struct sx_cmd cc = order_cmd(SX_CMD_CANCEL_ORDER, u, id, NULL);
			if (rnd(4) == 0) {
				cc = order_cmd(SX_CMD_CANCEL_ORDER, u, 0, rnd(2) ? "a" : "b");
			}
			cc.u.order.market = mk;
			r = apply(&cc);
		} else if (roll < 90) {
			uint64_t id = rnd((uint32_t)max_id) + 1;
			/* mostly amend an existing resting order of its owner */
			if (rords[id].resting && rnd(4)) {
				u = users[rords[id].user - SX_ACCT_FIRST_USER];
				mk = rords[id].market;
				price = mid[mk] + (int64_t)rnd(101) - 50;
			}
			struct sx_cmd cc = order_cmd(SX_CMD_AMEND_ORDER, u, id, NULL);
			cc.u.order.market = mk;
			unsigned w = rnd(3);
			cc.u.order.has_qty = w != 1;
			cc.u.order.qty = rnd(8) == 0 ? 0 : qty;
			cc.u.order.has_price = w != 0;
			cc.u.order.price = price;
			r = apply(&cc);
		} else if (roll < 94) {
			switch (rnd(4)) {
			case 0: r = check_balance(u); break;
			case 1: r = open_orders(u); break;
			case 2: r = depth(mk, 1 + rnd(30)); break;
			default: {
				struct sx_cmd cc = order_cmd(SX_CMD_GET_ORDER, u,
							     rnd((uint32_t)max_id) + 1, NULL);
				cc.u.order.market = mk;
				r = apply(&cc);
			}
			}
		} else {
			/* QUOTE, then the whale's market order of the same size must
			 * fill exactly what the quote said */
			int64_t q = (int64_t)rnd(600) + 1;
			r = quote(mk, side, q);
			expect_ok(r);
			int64_t qa = r->a, qb = r->b, qc = r->c;
			r = place_x("whale", side, 0, q, (struct popts){.market = mk, .otype = SX_MARKET});
			expect_ok(r);
			int64_t got = 0, notional = 0, fee = 0;
			for (size_t i = 0; i < count_kind(SX_OUT_EV_TRADE); i++) {
				const struct sx_trade_view *t = trade(i);
				got += t->qty;
				notional += t->price * t->qty * cfg.markets[mk].unit;
				fee += t->taker_fee;
			}
			assert_int_equal(got, qa);
			assert_int_equal(notional, qb);
			assert_int_equal(fee, qc);
			assert_int_equal(item_order()->filled, qa);
			quotes_checked++;
		}
		if (r->code == SX_OK) {
			accepted++;
			if (r->cmd_type == SX_CMD_PLACE_ORDER && (uint64_t)r->a + 1 > max_id)
				max_id = (uint64_t)r->a + 1;
		}
		fills += (unsigned)count_kind(SX_OUT_EV_TRADE);
		track_and_check_locks();
	}
	print_message("randomized: %u commands, %u accepted, %u trades, %u quotes checked, "
		      "%u resting at the end\n",
		      N, accepted, fills, quotes_checked, sx_engine_order_count(eng));
	assert_true(accepted > N / 3);
	assert_true(fills > 500);
	assert_true(quotes_checked > 500);
	/* cancel everything: every lock returns */
	for (uint32_t id = 1; id < RMAX_IDS; id++) {
		if (!rords[id].resting)
			continue;
		struct sx_cmd cc = order_cmd(SX_CMD_CANCEL_ORDER,
					     users[rords[id].user - SX_ACCT_FIRST_USER], id, NULL);
		cc.u.order.market = rords[id].market;
		expect_ok(apply(&cc));
		track_and_check_locks();
	}
	assert_int_equal(sx_engine_order_count(eng), 0);
	for (uint32_t a = SX_ACCT_FIRST_USER; a < naccounts(); a++)
		for (uint16_t s = 0; s < cfg.nassets; s++)
			assert_int_equal(locked(a, s), 0);
	for (uint16_t m = 0; m < cfg.nmarkets; m++) {
		assert_int_equal(sx_engine_level_count(eng, m, SX_BUY), 0);
		assert_int_equal(sx_engine_level_count(eng, m, SX_SELL), 0);
	}
	stop();
}

/* ------------------------------------------------------------------ */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deposit_withdraw),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_locks),
		cmocka_unit_test(test_fill_fees),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_amend),
		cmocka_unit_test(test_stp),
		cmocka_unit_test(test_fok),
		cmocka_unit_test(test_ioc),
		cmocka_unit_test(test_post_only),
		cmocka_unit_test(test_market),
		cmocka_unit_test(test_market_protection_rounding),
		cmocka_unit_test(test_market_funds),
		cmocka_unit_test(test_market_funds_fifo),
		cmocka_unit_test(test_overloaded),
		cmocka_unit_test(test_supply_cap),
		cmocka_unit_test(test_ids_and_accounts),
		cmocka_unit_test(test_randomized),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
