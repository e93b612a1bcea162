/*
 * tests/diff/test_differential.c - randomized differential test of the
 * spot engine against the reference model in refmodel.c.
 *
 * A seeded generator (splitmix64/xorshift64*, fully deterministic per
 * seed) produces command streams: every command type, every order type and
 * tif, ~50 regular users (ten of them poor) plus 64-byte names and a
 * stream of new ones, self-trades, amends into crosses, exhausted
 * balances, exact-funds boundaries, pool limits, whales trading near
 * INT64_MAX, decoder rejections and out-of-range binary values. Each
 * command goes to the engine and to the model; after every command the
 * test compares the reply (code, reqId echo, figures, order id), the
 * created accounts, the exact sequence of order and trade events, the set
 * of balance events (exactly the pairs whose value changed, with their
 * final values), query items, best prices and level counts, resting-order
 * and user counts, the balances of every touched account, runs
 * sx_engine_validate and the model's own conservation check; every 1000
 * commands and at the end it compares every balance and the supply, and
 * finally every market's full depth and every user's open orders.
 *
 * Five configuration variants by seed % 5 (fees, maker above taker, small
 * order/account pools, extreme default slippage, a smaller demo balance, a
 * market quoted in BTC with unit 1000, a whale market with unit 1000).
 *
 * Usage: test_differential [--seed N | --seeds A-B] [--commands N]
 *          [--trace] [--quiet] [--avoid NAME,...|known]
 *          [--directed | --no-directed | --directed-only]
 * Default (CI): the directed scenarios, then seeds 1..10 x 10,000
 * commands. With --seed/--seeds the directed scenarios are skipped unless
 * --directed is given. The first mismatch of a random stream ends the run
 * (exit 1) with the seed, command index, the command, both outputs, the
 * model's book before the command and a command line to reproduce it.
 * --avoid steers the generator around known findings (see avoid_names)
 * so that long runs can look for new ones.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sequex/engine.h"
#include "refmodel.h"

/* ---- PRNG (splitmix64 seeding an xorshift64*) -------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t rnext(struct rng *r)
{
	uint64_t x = r->s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t rbelow(struct rng *r, uint64_t n)
{
	return n ? rnext(r) % n : 0;
}

/* Uniform in [lo, hi]. */
static int64_t rrange(struct rng *r, int64_t lo, int64_t hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int64_t)rbelow(r, (uint64_t)(hi - lo) + 1);
}

static bool chance(struct rng *r, unsigned pct)
{
	return rbelow(r, 100) < pct;
}

/*
 * Known discrepancies can be steered around with --avoid NAME so that a
 * long run can look for further ones; the default (CI) avoids nothing.
 */
enum {
	AV_REF_COID_LEN = 1u << 0, /* order ref with coid_len > 36 */
	AV_REF_MISSING = 1u << 1,  /* order ref with neither orderId nor clientOrderId */
	AV_SELL_NOTIONAL = 1u << 2, /* limit sell whose notional overflows */
	AV_USDC_CAP = 1u << 3,      /* a new user's first deposit up to the supply cap */
};
static const struct {
	const char *name;
	unsigned bit;
} avoid_names[] = {
	{"ref-coid-len", AV_REF_COID_LEN},
	{"ref-missing", AV_REF_MISSING},
	{"sell-notional", AV_SELL_NOTIONAL},
	{"usdc-cap", AV_USDC_CAP},
};
static unsigned avoid;
static bool g_trace;

/* ---- engine sink ------------------------------------------------------- */

struct outbuf {
	struct sx_out *v;
	size_t n, cap;
};

static void sink_emit(void *ctx, const struct sx_out *rec)
{
	struct outbuf *b = ctx;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->v = realloc(b->v, b->cap * sizeof(*b->v));
		if (!b->v) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	b->v[b->n++] = *rec;
}

/* ---- run state ----------------------------------------------------------- */

#define NUSERS 50
#define POOR_FIRST 40 /* users 40..49 get tiny deposits */
#define NMARKETS_MAX 8

struct run {
	uint64_t seed;
	long ncmd;
	int variant;
	char variant_desc[160];
	bool trace;
	struct sx_config cfg;
	struct sx_engine *e;
	struct ref *r;
	struct outbuf out;
	struct ref_result res;
	struct rng rng;
	uint64_t seq;
	long index;
	int64_t mid[NMARKETS_MAX];
	int64_t qtyscale[NMARKETS_MAX];
	/* stats */
	long accepted, rejected, trades, order_events, max_resting, by_code[SX_CODE_COUNT];
	long per_type[SX_CMD_TYPE_COUNT + 1];
	/* commands of a multi-command scenario still to send */
	struct sx_cmd pend[8];
	int npend, ipend;
	bool usdc_capped;
	/* the model's book and balances before the current command (for reports) */
	struct ref_order *prev_book;
	size_t prev_n, prev_cap;
};

static const char *code_name(unsigned c)
{
	return c < SX_CODE_COUNT ? sx_code_name((enum sx_code)c) : "?";
}

/* ---- configurations --------------------------------------------------------- */

static void add_market(struct sx_config *c, const char *name, uint16_t base, uint16_t quote,
		       struct sx_step tick, struct sx_step lot)
{
	struct sx_market_cfg *m = &c->markets[c->nmarkets++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->base = base;
	m->quote = quote;
	m->tick = tick;
	m->lot = lot;
	/* lot_units = lot x 10^base.dec, unit = tick x lot x 10^quote.dec */
	int64_t lu = lot.mant;
	int e = c->assets[base].decimals - lot.dec;
	for (; e > 0; e--)
		lu *= 10;
	int64_t un = tick.mant * lot.mant;
	e = c->assets[quote].decimals - tick.dec - lot.dec;
	for (; e > 0; e--)
		un *= 10;
	m->lot_units = lu;
	m->unit = un;
	m->market_slippage_bps = 500;
}

static void set_fees(struct sx_config *c, uint16_t mk, uint32_t maker, uint32_t taker)
{
	c->markets[mk].maker_fee_bps = maker;
	c->markets[mk].taker_fee_bps = taker;
}

static void make_config(struct run *R)
{
	struct sx_config *c = &R->cfg;
	sx_config_defaults(c);
	/* A fourth market quoted in BTC with unit 1000 (tick 0.001 BTC, lot 0.01 ETH). */
	add_market(c, "ETH_BTC", 2, 3, (struct sx_step){1, 3}, (struct sx_step){1, 2});
	R->variant = (int)(R->seed % 5);
	switch (R->variant) {
	case 0:
		/* a fifth market of two assets of its own for the whales */
		snprintf(c->assets[4].name, sizeof(c->assets[4].name), "WB");
		c->assets[4].decimals = 2;
		snprintf(c->assets[5].name, sizeof(c->assets[5].name), "WQ");
		c->assets[5].decimals = 3;
		c->nassets = 6;
		add_market(c, "WB_WQ", 4, 5, (struct sx_step){1, 0}, (struct sx_step){1, 0});
		set_fees(c, 4, 10, 25);
		snprintf(R->variant_desc, sizeof(R->variant_desc),
			 "no fees, default pools, whale market WB_WQ 10/25 bps");
		break;
	case 1:
		for (uint16_t m = 0; m < c->nmarkets; m++)
			set_fees(c, m, 10, 25);
		snprintf(R->variant_desc, sizeof(R->variant_desc), "fees 10/25 bps");
		break;
	case 2:
		set_fees(c, 0, 30, 5);
		set_fees(c, 1, 10, 25);
		set_fees(c, 3, 7, 13);
		c->max_orders = 60;
		snprintf(R->variant_desc, sizeof(R->variant_desc),
			 "fees 30/5, 10/25, 0/0, 7/13 bps, max_orders 60");
		break;
	case 3:
		for (uint16_t m = 0; m < c->nmarkets; m++)
			set_fees(c, m, 10, 25);
		c->max_accounts = 45;
		c->markets[0].market_slippage_bps = 3;
		c->markets[3].market_slippage_bps = 2000;
		snprintf(R->variant_desc, sizeof(R->variant_desc),
			 "fees 10/25 bps, max_accounts 45, slippage 3 / 2000 bps");
		break;
	default:
		set_fees(c, 0, 0, 25);
		set_fees(c, 2, 25, 0);
		set_fees(c, 3, 10, 25);
		c->max_orders = 200;
		c->max_accounts = 60;
		c->demo_balance = 1000000000; /* 1000 USDC */
		snprintf(R->variant_desc, sizeof(R->variant_desc),
			 "fees 0/25, 0/0, 25/0, 10/25 bps, max_orders 200, max_accounts 60, demo 1000");
		break;
	}
	/* mid prices (ticks) and typical sizes (lots) per market */
	static const int64_t mids[] = {15000, 300000, 600000, 50, 1000};
	static const int64_t qs[] = {200, 3000, 1000, 100, 100};
	for (uint16_t m = 0; m < c->nmarkets && m < NMARKETS_MAX; m++) {
		R->mid[m] = mids[m];
		R->qtyscale[m] = qs[m];
	}
}

/* ---- command construction ---------------------------------------------------- */

static void set_user(struct sx_cmd *c, const char *name, size_t len)
{
	if (len > SX_USERID_MAX)
		len = SX_USERID_MAX;
	memcpy(c->user, name, len);
	c->user_len = (uint8_t)len;
	c->user_hash = sx_user_hash(c->user, len);
}

static void user_name(unsigned i, char *buf, size_t *len)
{
	*len = (size_t)snprintf(buf, 16, "u%02u", i);
}

/* A user for a command: mostly the regular population, sometimes new ones. */
static void pick_user(struct run *R, struct sx_cmd *c)
{
	char buf[SX_USERID_MAX + 1];
	size_t len;
	uint64_t k = rbelow(&R->rng, 100);
	if (k < 94) {
		user_name((unsigned)rbelow(&R->rng, NUSERS), buf, &len);
	} else if (k < 97) {
		/* two 64-byte names differing in the last byte */
		memset(buf, 'L', SX_USERID_MAX);
		buf[SX_USERID_MAX - 1] = (char)('0' + rbelow(&R->rng, 2));
		len = SX_USERID_MAX;
	} else {
		len = (size_t)snprintf(buf, sizeof(buf), "tmp-%u", (unsigned)rbelow(&R->rng, 400));
	}
	set_user(c, buf, len);
}

static void set_user_handle(struct run *R, struct sx_cmd *c, uint32_t h)
{
	const struct ref_acct *a = &R->r->acct[h];
	set_user(c, a->name, a->len);
}

static bool is_poor(const struct sx_cmd *c)
{
	return c->user_len == 3 && c->user[0] == 'u' && (c->user[1] - '0') * 10 + (c->user[2] - '0') >= POOR_FIRST;
}

static uint16_t pick_market(struct run *R)
{
	/* the whale market (variant 0) only now and then */
	if (R->cfg.nmarkets > 4 && !chance(&R->rng, 5))
		return (uint16_t)rbelow(&R->rng, 4);
	return (uint16_t)rbelow(&R->rng, R->cfg.nmarkets);
}

static void set_coid(struct run *R, char *dst, uint8_t *len)
{
	uint64_t k = rbelow(&R->rng, 100);
	if (k < 65) {
		*len = 0;
	} else if (k < 97) {
		*len = (uint8_t)snprintf(dst, SX_COID_MAX, "c%u", (unsigned)rbelow(&R->rng, 12));
	} else {
		memset(dst, 'k', SX_COID_MAX);
		dst[0] = (char)('a' + rbelow(&R->rng, 3));
		*len = SX_COID_MAX;
	}
}

/* A random resting order of the model, or NULL. */
static const struct ref_order *pick_resting(struct run *R)
{
	if (R->r->nbook == 0)
		return NULL;
	return &R->r->book[rbelow(&R->rng, R->r->nbook)];
}

static int64_t typical_qty(struct run *R, uint16_t m)
{
	int64_t s = R->qtyscale[m];
	uint64_t k = rbelow(&R->rng, 100);
	if (k < 60)
		return rrange(&R->rng, 1, s / 4 + 1);
	if (k < 95)
		return rrange(&R->rng, 1, s);
	return rrange(&R->rng, s, s * 20);
}

static int64_t clamp_price(int64_t p)
{
	return p < 1 ? 1 : p;
}

/* Remaining quantity resting on one side at prices crossing lim. */
static int64_t crossing_qty(struct run *R, uint16_t m, uint8_t taker_side, int64_t lim)
{
	int64_t sum = 0;
	uint8_t opp = taker_side == SX_BUY ? SX_SELL : SX_BUY;
	for (size_t i = 0; i < R->r->nbook; i++) {
		const struct ref_order *o = &R->r->book[i];
		if (o->market == m && o->side == opp &&
		    (taker_side == SX_BUY ? o->price <= lim : o->price >= lim))
			sum += o->remaining;
	}
	return sum;
}

static void place_common(struct run *R, struct sx_cmd *c, uint16_t m, uint8_t side)
{
	c->type = SX_CMD_PLACE_ORDER;
	c->u.place.market = m;
	c->u.place.side = side;
	c->u.place.stp = chance(&R->rng, 30) ? SX_STP_CANCEL_TAKER : SX_STP_CANCEL_MAKER;
	set_coid(R, c->u.place.coid, &c->u.place.coid_len);
}

/* A limit price: near the mid (some crossing), or far away. */
static int64_t limit_price(struct run *R, uint16_t m, uint8_t side, bool far)
{
	int64_t mid = R->mid[m], off;
	if (far)
		off = rrange(&R->rng, 20, 400);
	else
		off = rrange(&R->rng, -4, 10);
	return clamp_price(side == SX_BUY ? mid - off : mid + off);
}

static void gen_limit(struct run *R, struct sx_cmd *c, uint8_t tif, bool far)
{
	pick_user(R, c);
	uint16_t m = pick_market(R);
	uint8_t side = (uint8_t)rbelow(&R->rng, 2);
	place_common(R, c, m, side);
	c->u.place.otype = SX_LIMIT;
	c->u.place.tif = tif;
	c->u.place.qty = typical_qty(R, m);
	c->u.place.price = limit_price(R, m, side, far);
	if (tif == SX_POST_ONLY) {
		/* near the spread: at the opposite best +- 2 ticks */
		int64_t ob = ref_best_price(R->r, m, side == SX_BUY ? SX_SELL : SX_BUY);
		if (ob) {
			int64_t d = rrange(&R->rng, -1, 3);
			c->u.place.price = clamp_price(side == SX_BUY ? ob - d : ob + d);
		}
	}
	if (tif == SX_FOK && chance(&R->rng, 50)) {
		/* big FOK around the boundary of what is fillable */
		int64_t avail = crossing_qty(R, m, side, c->u.place.price);
		c->u.place.qty = avail + rrange(&R->rng, -3, 2);
		if (c->u.place.qty < 1)
			c->u.place.qty = 1;
	}
}

static void gen_market(struct run *R, struct sx_cmd *c)
{
	pick_user(R, c);
	uint16_t m = pick_market(R);
	uint8_t side = (uint8_t)rbelow(&R->rng, 2);
	place_common(R, c, m, side);
	c->u.place.otype = SX_MARKET;
	c->u.place.tif = chance(&R->rng, 80) ? SX_GTC : (uint8_t)rbelow(&R->rng, 4);
	c->u.place.qty = typical_qty(R, m);
	if (chance(&R->rng, 8))
		c->u.place.qty = crossing_qty(R, m, side, side == SX_BUY ? INT64_MAX : 0) +
				 rrange(&R->rng, -2, 5);
	if (c->u.place.qty < 1)
		c->u.place.qty = 1;
	uint64_t k = rbelow(&R->rng, 100);
	if (k < 50) {
		c->u.place.has_slippage = 0;
	} else {
		c->u.place.has_slippage = 1;
		c->u.place.slippage_bps = k < 65 ? 0 : k < 75 ? 10000 : (uint32_t)rbelow(&R->rng, 300);
	}
}

/* A user trading against their own resting order. */
static void gen_self_trade(struct run *R, struct sx_cmd *c)
{
	const struct ref_order *o = pick_resting(R);
	if (!o) {
		gen_limit(R, c, SX_GTC, false);
		return;
	}
	uint16_t m = o->market;
	uint8_t side = o->side == SX_BUY ? SX_SELL : SX_BUY;
	int64_t price = o->price;
	int64_t qty = rrange(&R->rng, 1, o->remaining * 2);
	set_user_handle(R, c, o->user);
	place_common(R, c, m, side);
	c->u.place.qty = qty;
	uint64_t k = rbelow(&R->rng, 100);
	if (k < 20) {
		c->u.place.otype = SX_MARKET;
		c->u.place.tif = SX_GTC;
	} else {
		c->u.place.otype = SX_LIMIT;
		c->u.place.tif = k < 50 ? SX_GTC : k < 70 ? SX_IOC : k < 90 ? SX_FOK : SX_POST_ONLY;
		c->u.place.price = clamp_price(side == SX_BUY ? price + rrange(&R->rng, 0, 3)
							      : price - rrange(&R->rng, 0, 3));
	}
}

/* An order reference: valid, another user's, finished, unknown, by coid... */
static void gen_ref(struct run *R, struct sx_cmd *c, struct sx_cmd_order *oc)
{
	const struct ref_order *o = pick_resting(R);
	uint64_t k = rbelow(&R->rng, 100);
	memset(&oc->ref, 0, sizeof(oc->ref));
	if (o && k < 55) {
		set_user_handle(R, c, o->user);
		oc->market = o->market;
		oc->ref.order_id = o->id;
	} else if (o && k < 70 && o->coid_len) {
		set_user_handle(R, c, o->user);
		oc->market = o->market;
		oc->ref.coid_len = o->coid_len;
		memcpy(oc->ref.coid, o->coid, o->coid_len);
	} else if (o && k < 75) {
		/* both given: the id wins, even when the coid names another order */
		set_user_handle(R, c, o->user);
		oc->market = o->market;
		oc->ref.order_id = chance(&R->rng, 70) ? o->id : R->r->next_order_id + 5;
		set_coid(R, oc->ref.coid, &oc->ref.coid_len);
	} else if (o && k < 80) {
		/* another user's order */
		pick_user(R, c);
		oc->market = o->market;
		oc->ref.order_id = o->id;
	} else if (o && k < 84) {
		/* right owner, wrong market */
		set_user_handle(R, c, o->user);
		oc->market = (uint16_t)((o->market + 1) % R->cfg.nmarkets);
		oc->ref.order_id = o->id;
	} else if (k < 92) {
		/* some id ever given (probably finished) */
		pick_user(R, c);
		oc->market = pick_market(R);
		oc->ref.order_id = 1 + rbelow(&R->rng, R->r->next_order_id);
	} else if (k < 96) {
		pick_user(R, c);
		oc->market = pick_market(R);
		set_coid(R, oc->ref.coid, &oc->ref.coid_len);
		if (!oc->ref.coid_len)
			oc->ref.order_id = R->r->next_order_id + rbelow(&R->rng, 1000);
	} else {
		pick_user(R, c);
		oc->market = pick_market(R);
		oc->ref.order_id = R->r->next_order_id + rbelow(&R->rng, 1000);
	}
}

static void gen_cancel_get(struct run *R, struct sx_cmd *c, uint8_t type)
{
	c->type = type;
	gen_ref(R, c, &c->u.order);
}

static void gen_amend(struct run *R, struct sx_cmd *c)
{
	struct sx_cmd_order *oc = &c->u.order;
	c->type = SX_CMD_AMEND_ORDER;
	gen_ref(R, c, oc);
	const struct ref_order *o = NULL;
	for (size_t i = 0; i < R->r->nbook; i++)
		if (R->r->book[i].id == oc->ref.order_id)
			o = &R->r->book[i];
	int64_t rem = o ? o->remaining : typical_qty(R, oc->market);
	int64_t price = o ? o->price : R->mid[oc->market];
	uint8_t side = o ? o->side : (uint8_t)rbelow(&R->rng, 2);
	uint64_t k = rbelow(&R->rng, 100);
	if (k < 20) { /* reduce: keeps priority */
		oc->has_qty = 1;
		oc->qty = rrange(&R->rng, 1, rem);
		if (chance(&R->rng, 20)) {
			oc->has_price = 1;
			oc->price = price;
		}
	} else if (k < 32) { /* increase */
		oc->has_qty = 1;
		oc->qty = rem + rrange(&R->rng, 1, rem * 3 + 1);
	} else if (k < 50) { /* move the price, passive */
		oc->has_price = 1;
		oc->price = clamp_price(price + rrange(&R->rng, -6, 6));
	} else if (k < 72) { /* into a cross */
		uint8_t opp = side == SX_BUY ? SX_SELL : SX_BUY;
		int64_t ob = ref_best_price(R->r, oc->market, opp);
		oc->has_price = 1;
		if (!ob)
			ob = R->mid[oc->market];
		oc->price = clamp_price(side == SX_BUY ? ob + rrange(&R->rng, 0, 3)
						     : ob - rrange(&R->rng, 0, 3));
		if (chance(&R->rng, 40)) {
			oc->has_qty = 1;
			oc->qty = rrange(&R->rng, 1, rem * 2);
		}
	} else if (k < 80) { /* zero: cancel */
		oc->has_qty = 1;
		oc->qty = 0;
	} else if (k < 88) { /* both */
		oc->has_qty = 1;
		oc->qty = rrange(&R->rng, 1, rem * 2);
		oc->has_price = 1;
		oc->price = clamp_price(price + rrange(&R->rng, -3, 3));
	} else if (k < 91) { /* unaffordable */
		oc->has_qty = 1;
		oc->qty = rem * 1000 + rrange(&R->rng, 1, 1000000);
	} else if (k < 93) { /* overflowing */
		oc->has_qty = 1;
		oc->qty = INT64_MAX / 3;
		oc->has_price = chance(&R->rng, 50);
		oc->price = INT64_MAX / 5;
	} else if (k < 95) {
		/* neither: MISSING_FIELD */
	} else if (k < 97) {
		oc->has_qty = 1;
		oc->qty = -rrange(&R->rng, 1, 5);
	} else {
		oc->has_price = 1;
		oc->price = -rrange(&R->rng, 0, 5);
	}
}

static int64_t deposit_amount(struct run *R, uint16_t asset, bool poor)
{
	static const int64_t typ[] = {2000000000, 20000000000, 2000000000, 20000000};
	int64_t t = asset < 4 ? typ[asset] : 1000000;
	if (poor)
		t /= 2000;
	return rrange(&R->rng, 1, t * 2);
}

static void gen_funds(struct run *R, struct sx_cmd *c, bool deposit)
{
	pick_user(R, c);
	c->type = deposit ? SX_CMD_DEPOSIT : SX_CMD_WITHDRAW;
	uint16_t a = (uint16_t)rbelow(&R->rng, R->cfg.nassets);
	if (deposit && chance(&R->rng, 50))
		a = (uint16_t)(1 + rbelow(&R->rng, R->cfg.nassets - 1)); /* base assets */
	c->u.funds.asset = a;
	if (deposit) {
		c->u.funds.amount = deposit_amount(R, a, is_poor(c));
		return;
	}
	uint32_t h = ref_find_user(R->r, c->user, c->user_len);
	int64_t av = h == SX_ACCT_NONE ? (a == R->cfg.demo_asset ? R->cfg.demo_balance : 0)
				       : R->r->acct[h].bal[a].avail;
	uint64_t k = rbelow(&R->rng, 100);
	if (k < 50)
		c->u.funds.amount = av > 1 ? rrange(&R->rng, 1, av / 2) : 1;
	else if (k < 70)
		c->u.funds.amount = av > 0 ? av : 1; /* everything */
	else if (k < 85)
		c->u.funds.amount = av + 1;          /* one too many */
	else
		c->u.funds.amount = rrange(&R->rng, 1, 1000000);
}

static void gen_query(struct run *R, struct sx_cmd *c)
{
	uint64_t k = rbelow(&R->rng, 100);
	if (k < 30) {
		pick_user(R, c);
		c->type = SX_CMD_CHECK_BALANCE;
	} else if (k < 55) {
		pick_user(R, c);
		c->type = SX_CMD_CHECK_OPEN_ORDERS;
	} else if (k < 75) {
		if (chance(&R->rng, 10))
			pick_user(R, c); /* a stray userId: names no one, creates nothing */
		c->type = SX_CMD_GET_DEPTH;
		c->u.depth.market = pick_market(R);
		c->u.depth.levels = chance(&R->rng, 20) ? SX_DEPTH_LEVELS_MAX
				    : (uint32_t)rrange(&R->rng, 1, 25);
	} else {
		if (chance(&R->rng, 10))
			pick_user(R, c);
		c->type = SX_CMD_QUOTE;
		uint16_t m = pick_market(R);
		c->u.quote.market = m;
		c->u.quote.side = (uint8_t)rbelow(&R->rng, 2);
		c->u.quote.qty = chance(&R->rng, 30)
			? crossing_qty(R, m, c->u.quote.side, c->u.quote.side == SX_BUY ? INT64_MAX : 0) + 1
			: typical_qty(R, m);
	}
}


/* ---- multi-command scenarios --------------------------------------------------- */

static struct sx_cmd *queue(struct run *R)
{
	if (R->npend >= (int)SX_ARRAY_LEN(R->pend))
		return NULL;
	struct sx_cmd *c = &R->pend[R->npend++];
	memset(c, 0, sizeof(*c));
	return c;
}

/* A regular user that exists in the model, or NONE. */
static uint32_t pick_existing(struct run *R)
{
	if (ref_user_count(R->r) == 0)
		return SX_ACCT_NONE;
	return SX_ACCT_FIRST_USER + (uint32_t)rbelow(&R->rng, ref_user_count(R->r));
}

static int64_t need_of(const struct sx_market_cfg *m, int64_t p, int64_t q, bool *ok)
{
	int64_t n;
	*ok = ref_notional(m, p, q, &n);
	if (!*ok)
		return 0;
	uint32_t b = m->maker_fee_bps > m->taker_fee_bps ? m->maker_fee_bps : m->taker_fee_bps;
	__int128 t = (__int128)n + ref_fee(n, b);
	*ok = t <= INT64_MAX;
	return *ok ? (int64_t)t : 0;
}

/* Largest q in [0, hi] with need(p, q) <= budget. */
static int64_t max_buy_qty(const struct sx_market_cfg *m, int64_t p, int64_t budget, int64_t hi)
{
	int64_t lo = 0;
	while (lo < hi) {
		int64_t mid = lo + (hi - lo + 1) / 2;
		bool ok;
		int64_t nd = need_of(m, p, mid, &ok);
		if (ok && nd <= budget)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Orders, withdrawals and amends sized to exactly what is available (or one more). */
static void scen_exact(struct run *R)
{
	uint32_t h = pick_existing(R);
	if (h == SX_ACCT_NONE)
		return;
	uint16_t mk = pick_market(R);
	const struct sx_market_cfg *m = &R->cfg.markets[mk];
	const struct ref_acct *a = &R->r->acct[h];
	int64_t extra = chance(&R->rng, 50) ? 0 : 1;
	struct sx_cmd *c;
	switch (rbelow(&R->rng, 4)) {
	case 0: { /* limit buy of exactly the affordable quantity */
		int64_t p = limit_price(R, mk, SX_BUY, false);
		int64_t q = max_buy_qty(m, p, a->bal[m->quote].avail, INT64_MAX / 4) + extra;
		if (q < 1 || !(c = queue(R)))
			return;
		set_user_handle(R, c, h);
		place_common(R, c, mk, SX_BUY);
		c->u.place.otype = SX_LIMIT;
		c->u.place.tif = (uint8_t)rbelow(&R->rng, 4);
		c->u.place.price = p;
		c->u.place.qty = q;
		break;
	}
	case 1: { /* sell everything (limit or market) */
		int64_t q = a->bal[m->base].avail / m->lot_units + extra;
		if (q < 1 || !(c = queue(R)))
			return;
		set_user_handle(R, c, h);
		place_common(R, c, mk, SX_SELL);
		if (chance(&R->rng, 50)) {
			c->u.place.otype = SX_MARKET;
		} else {
			c->u.place.otype = SX_LIMIT;
			c->u.place.tif = (uint8_t)rbelow(&R->rng, 4);
			c->u.place.price = limit_price(R, mk, SX_SELL, false);
		}
		c->u.place.qty = q;
		break;
	}
	case 2: { /* leave exactly one lot's cost (+-1) at the best ask, then buy at market */
		int64_t best = ref_best_price(R->r, mk, SX_SELL), n1;
		if (!best || !ref_notional(m, best, 1, &n1))
			return;
		int64_t target = n1 + ref_fee(n1, m->taker_fee_bps) + rrange(&R->rng, -1, 1);
		if (chance(&R->rng, 20))
			target += n1; /* two lots, then not quite a third */
		int64_t av = a->bal[m->quote].avail;
		if (!(c = queue(R)))
			return;
		set_user_handle(R, c, h);
		c->type = av > target ? SX_CMD_WITHDRAW : SX_CMD_DEPOSIT;
		c->u.funds.asset = m->quote;
		c->u.funds.amount = av > target ? av - target : target - av;
		if (c->u.funds.amount == 0)
			c->u.funds.amount = 1, c->type = SX_CMD_DEPOSIT, target = av + 1;
		if (!(c = queue(R)))
			return;
		set_user_handle(R, c, h);
		place_common(R, c, mk, SX_BUY);
		c->u.place.otype = SX_MARKET;
		c->u.place.qty = rrange(&R->rng, 1, 5);
		if (chance(&R->rng, 50)) {
			c->u.place.has_slippage = 1;
			c->u.place.slippage_bps = chance(&R->rng, 50) ? 0 : 10000;
		}
		break;
	}
	default: { /* amend one of the user's orders up to exactly its funds */
		const struct ref_order *o = NULL;
		for (size_t i = 0; i < R->r->nbook; i++)
			if (R->r->book[i].user == h && (!o || chance(&R->rng, 30)))
				o = &R->r->book[i];
		if (!o)
			return;
		m = &R->cfg.markets[o->market];
		int64_t p = chance(&R->rng, 50) ? o->price : clamp_price(o->price + rrange(&R->rng, -2, 2));
		int64_t nr;
		if (o->side == SX_BUY)
			nr = max_buy_qty(m, p, a->bal[m->quote].avail + o->lock, INT64_MAX / 4);
		else
			nr = o->remaining + a->bal[m->base].avail / m->lot_units;
		nr += extra;
		if (nr < 1 || !(c = queue(R)))
			return;
		set_user_handle(R, c, h);
		c->type = SX_CMD_AMEND_ORDER;
		c->u.order.market = o->market;
		c->u.order.ref.order_id = o->id;
		c->u.order.has_qty = 1;
		c->u.order.qty = nr;
		c->u.order.has_price = p != o->price || chance(&R->rng, 30);
		c->u.order.price = p;
		break;
	}
	}
}

/*
 * Whales: two users holding (almost) the whole int64 range of WB and WQ
 * trade with each other in WB_WQ (unit 1000) at huge prices, so that
 * single trades have notionals near INT64_MAX (fees need 128-bit math)
 * and QUOTE walks several such orders.
 */
static void scen_whale(struct run *R)
{
	const uint16_t mk = 4, btc = 5, eth = 4; /* WB_WQ: "eth" is WB, "btc" is WQ */
	const struct sx_market_cfg *m = &R->cfg.markets[mk];
	const char *names[2] = {"whale-a", "whale-b"};
	uint32_t w[2];
	struct sx_cmd *c;
	for (int i = 0; i < 2; i++)
		w[i] = ref_find_user(R->r, names[i], strlen(names[i]));
	if (w[0] == SX_ACCT_NONE || w[1] == SX_ACCT_NONE ||
	    INT64_MAX - R->r->supply[btc] > ((__int128)1 << 60) ||
	    INT64_MAX - R->r->supply[eth] > ((__int128)1 << 60)) {
		/* fill both assets up to (almost) the supply cap */
		for (int i = 0; i < 2; i++) {
			uint16_t asset = i == 0 ? btc : eth;
			__int128 room = (__int128)INT64_MAX - R->r->supply[asset] - rrange(&R->rng, 0, 1000);
			if (!(c = queue(R)))
				return;
			set_user(c, names[i], strlen(names[i]));
			c->type = SX_CMD_DEPOSIT;
			c->u.funds.asset = asset;
			c->u.funds.amount = room > 0 ? (int64_t)room : 1;
		}
		return;
	}
	/* the seller is the whale with more base */
	int s = R->r->acct[w[1]].bal[eth].avail > R->r->acct[w[0]].bal[eth].avail ? 1 : 0, b = 1 - s;
	int64_t eth_av = R->r->acct[w[s]].bal[eth].avail, btc_av = R->r->acct[w[b]].bal[btc].avail;
	int64_t p = rrange(&R->rng, 1000000, 2000000000000);
	/* one order's notional up to ~INT64_MAX/2, two of them for QUOTE */
	int64_t q = (int64_t)(((__int128)INT64_MAX / 2 + rrange(&R->rng, 0, INT64_MAX / 2)) / ((__int128)p * m->unit));
	if (q > eth_av / m->lot_units / 2)
		q = eth_av / m->lot_units / 2;
	if (q < 1)
		return;
	for (int k = 0; k < 2; k++) {
		if (!(c = queue(R)))
			return;
		set_user(c, names[s], strlen(names[s]));
		place_common(R, c, mk, SX_SELL);
		c->u.place.otype = SX_LIMIT;
		c->u.place.tif = SX_GTC;
		c->u.place.price = p + k;
		c->u.place.qty = q;
	}
	if (!(c = queue(R)))
		return;
	c->type = SX_CMD_QUOTE;
	c->u.quote.market = mk;
	c->u.quote.side = SX_BUY;
	c->u.quote.qty = 2 * q + rrange(&R->rng, -1, 1);
	if (!(c = queue(R)))
		return;
	set_user(c, names[b], strlen(names[b]));
	place_common(R, c, mk, SX_BUY);
	c->u.place.otype = SX_LIMIT;
	c->u.place.tif = chance(&R->rng, 50) ? SX_IOC : SX_FOK;
	c->u.place.price = p + 1;
	c->u.place.qty = max_buy_qty(m, p + 1, btc_av, 2 * q);
	if (c->u.place.qty < 1)
		c->u.place.qty = 1;
	/* and clean up what is left of the whale's sells */
	for (int k = 0; k < 2; k++) {
		if (!(c = queue(R)))
			return;
		set_user(c, names[s], strlen(names[s]));
		c->type = SX_CMD_CANCEL_ORDER;
		c->u.order.market = mk;
		c->u.order.ref.order_id = R->r->next_order_id + (uint64_t)k;
	}
}

/*
 * After the cap: the USDC whale sells SOL to brand-new users, whose demo
 * credits took the USDC supply past INT64_MAX; the whale's USDC balance
 * is then pushed towards (and past) the int64 range.
 */
static void scen_capped_whale_sells(struct run *R)
{
	struct sx_cmd *c;
	if (!(c = queue(R)))
		return;
	set_user(c, "whale-usdc", 10);
	c->type = SX_CMD_DEPOSIT;
	c->u.funds.asset = 1;
	c->u.funds.amount = 1000000000000; /* 1000 SOL */
	if (!(c = queue(R)))
		return;
	set_user(c, "whale-usdc", 10);
	place_common(R, c, 0, SX_SELL);
	c->u.place.coid_len = 0;
	c->u.place.otype = SX_LIMIT;
	c->u.place.tif = SX_GTC;
	c->u.place.price = 10000; /* 100 USDC */
	c->u.place.qty = 100000;
	for (int k = 0; k < 3; k++) {
		if (!(c = queue(R)))
			return;
		char name[32];
		int n = snprintf(name, sizeof(name), "newbie-%" PRIu64 "-%d", R->seq, k);
		set_user(c, name, (size_t)n);
		place_common(R, c, 0, SX_BUY);
		c->u.place.coid_len = 0;
		c->u.place.stp = SX_STP_CANCEL_MAKER;
		c->u.place.otype = SX_LIMIT;
		c->u.place.tif = SX_IOC;
		c->u.place.price = 10000;
		c->u.place.qty = 490; /* 4900 USDC */
	}
}

/* Deposit USDC up to just below the supply cap; new users then push past it. */
static void scen_usdc_cap(struct run *R)
{
	struct sx_cmd *c = queue(R);
	if (!c)
		return;
	__int128 room = (__int128)INT64_MAX - R->r->supply[0] - R->cfg.demo_balance / 2;
	set_user(c, "whale-usdc", 10);
	c->type = SX_CMD_DEPOSIT;
	c->u.funds.asset = 0;
	c->u.funds.amount = room > 0 ? (int64_t)room : 1;
	R->usdc_capped = true;
}

/* Junk: decoder rejections and out-of-range binary values. */
static void gen_junk(struct run *R, struct sx_cmd *c)
{
	uint64_t k = rbelow(&R->rng, 24);
	pick_user(R, c);
	switch (k) {
	case 0:
	case 1:
	case 2:
		c->type = SX_CMD_REJECTED;
		c->u.rej.code = (uint8_t)rrange(&R->rng, 1, SX_CODE_COUNT - 1);
		c->u.rej.field = (uint8_t)rbelow(&R->rng, SX_F_COUNT);
		c->u.rej.detail = (uint8_t)rbelow(&R->rng, SX_D_COUNT);
		c->u.rej.orig_type = (uint8_t)rbelow(&R->rng, SX_CMD_TYPE_COUNT);
		if (chance(&R->rng, 30))
			c->user_len = 0;
		break;
	case 3:
		c->type = (uint8_t)rrange(&R->rng, SX_CMD_TYPE_COUNT, 255);
		break;
	case 4:
		gen_limit(R, c, SX_GTC, false);
		c->u.place.market = (uint16_t)(R->cfg.nmarkets + rbelow(&R->rng, 300));
		break;
	case 5:
		gen_limit(R, c, SX_GTC, false);
		c->u.place.side = (uint8_t)rrange(&R->rng, 2, 255);
		break;
	case 6:
		gen_limit(R, c, SX_GTC, false);
		c->u.place.otype = (uint8_t)rrange(&R->rng, 2, 255);
		break;
	case 7:
		if (chance(&R->rng, 50))
			gen_limit(R, c, SX_IOC, false);
		else
			gen_market(R, c);
		c->u.place.qty = -rrange(&R->rng, 0, 3);
		break;
	case 8:
		gen_limit(R, c, (uint8_t)rbelow(&R->rng, 4), false);
		c->u.place.price = -rrange(&R->rng, 0, 3);
		break;
	case 9:
		gen_limit(R, c, SX_GTC, false);
		c->u.place.tif = (uint8_t)rrange(&R->rng, 4, 255);
		break;
	case 10:
		gen_market(R, c);
		c->u.place.has_slippage = 1;
		c->u.place.slippage_bps = (uint32_t)rrange(&R->rng, SX_BPS_MAX + 1, UINT32_MAX);
		break;
	case 11:
		gen_limit(R, c, SX_GTC, false);
		c->u.place.stp = (uint8_t)rrange(&R->rng, 2, 255);
		break;
	case 12:
		gen_limit(R, c, SX_GTC, false);
		c->u.place.coid_len = (uint8_t)rrange(&R->rng, SX_COID_MAX + 1, 255);
		break;
	case 13: /* overflowing quantity or notional */
		if (chance(&R->rng, 50)) {
			gen_limit(R, c, (uint8_t)rbelow(&R->rng, 4), false);
			if (chance(&R->rng, 50)) {
				c->u.place.price = INT64_MAX / rrange(&R->rng, 1, 1000);
				if (avoid & AV_SELL_NOTIONAL)
					c->u.place.side = SX_BUY;
			} else {
				c->u.place.qty = INT64_MAX / rrange(&R->rng, 1, 1000);
			}
		} else {
			gen_market(R, c);
			c->u.place.qty = INT64_MAX / rrange(&R->rng, 1, 1000);
		}
		break;
	case 14:
		pick_user(R, c);
		c->user_len = 0;
		c->type = (uint8_t)rrange(&R->rng, SX_CMD_DEPOSIT, SX_CMD_GET_ORDER);
		if (c->type == SX_CMD_GET_DEPTH || c->type == SX_CMD_QUOTE)
			c->type = SX_CMD_CHECK_BALANCE;
		break;
	case 15:
		c->type = (uint8_t)rrange(&R->rng, SX_CMD_DEPOSIT, SX_CMD_GET_ORDER);
		if (c->type == SX_CMD_GET_DEPTH || c->type == SX_CMD_QUOTE)
			c->type = SX_CMD_CHECK_OPEN_ORDERS;
		c->user_len = (uint8_t)rrange(&R->rng, SX_USERID_MAX + 1, 255);
		break;
	case 16:
		gen_funds(R, c, chance(&R->rng, 50));
		if (chance(&R->rng, 50))
			c->u.funds.asset = (uint16_t)(R->cfg.nassets + rbelow(&R->rng, 100));
		else
			c->u.funds.amount = -rrange(&R->rng, 0, 5);
		break;
	case 17:
		gen_funds(R, c, true);
		c->u.funds.amount = INT64_MAX - rrange(&R->rng, 0, 5);
		break;
	case 18:
		gen_cancel_get(R, c, chance(&R->rng, 50) ? SX_CMD_CANCEL_ORDER : SX_CMD_GET_ORDER);
		if (chance(&R->rng, 50) || (avoid & AV_REF_MISSING))
			c->u.order.market = (uint16_t)(R->cfg.nmarkets + rbelow(&R->rng, 100));
		else
			memset(&c->u.order.ref, 0, sizeof(c->u.order.ref));
		break;
	case 19:
		if (avoid & AV_REF_COID_LEN) {
			gen_query(R, c);
			break;
		}
		gen_cancel_get(R, c, chance(&R->rng, 50) ? SX_CMD_CANCEL_ORDER : SX_CMD_GET_ORDER);
		c->u.order.ref.order_id = 0;
		c->u.order.ref.coid_len = (uint8_t)rrange(&R->rng, SX_COID_MAX + 1, 255);
		break;
	case 20:
		gen_amend(R, c);
		c->u.order.market = (uint16_t)(R->cfg.nmarkets + rbelow(&R->rng, 100));
		break;
	case 21:
		c->type = SX_CMD_GET_DEPTH;
		c->user_len = 0;
		c->u.depth.market = pick_market(R);
		if (chance(&R->rng, 30))
			c->u.depth.market = (uint16_t)(R->cfg.nmarkets + rbelow(&R->rng, 100));
		else
			c->u.depth.levels = chance(&R->rng, 50) ? 0 : (uint32_t)rrange(&R->rng, SX_DEPTH_LEVELS_MAX + 1, UINT32_MAX);
		break;
	case 22:
		c->type = SX_CMD_QUOTE;
		c->user_len = 0;
		c->u.quote.market = pick_market(R);
		c->u.quote.side = (uint8_t)rbelow(&R->rng, 2);
		c->u.quote.qty = rrange(&R->rng, 1, 100);
		switch (rbelow(&R->rng, 3)) {
		case 0: c->u.quote.market = (uint16_t)(R->cfg.nmarkets + rbelow(&R->rng, 100)); break;
		case 1: c->u.quote.side = (uint8_t)rrange(&R->rng, 2, 255); break;
		default: c->u.quote.qty = -rrange(&R->rng, 0, 3); break;
		}
		break;
	default: /* a market buy of a user with nothing */
		gen_market(R, c);
		c->u.place.side = SX_BUY;
		set_user(c, "broke", 5);
		break;
	}
}

static void gen_reqid(struct run *R, struct sx_cmd *c)
{
	uint64_t k = rbelow(&R->rng, 100);
	if (k < 10) {
		c->reqid_len = 0;
	} else if (k < 13) {
		memset(c->reqid, 'q', SX_REQID_MAX);
		c->reqid_len = SX_REQID_MAX;
	} else {
		c->reqid_len = (uint8_t)snprintf(c->reqid, SX_REQID_MAX, "r%" PRIu64, R->seq);
	}
}

/* The next command of the stream. */
static void gen_command(struct run *R, struct sx_cmd *c)
{
	memset(c, 0, sizeof(*c));
	/* the mid prices wander */
	for (uint16_t m = 0; m < R->cfg.nmarkets; m++) {
		if (chance(&R->rng, 8))
			R->mid[m] = clamp_price(R->mid[m] + rrange(&R->rng, -2, 2));
		if (chance(&R->rng, 1)) {
			int64_t b = ref_best_price(R->r, m, SX_BUY), a = ref_best_price(R->r, m, SX_SELL);
			if (a && b)
				R->mid[m] = (a + b) / 2;
		}
	}
	if (R->ipend == R->npend) {
		R->ipend = R->npend = 0;
		if (chance(&R->rng, 3))
			scen_exact(R);
		else if (R->variant == 0 && chance(&R->rng, 1))
			scen_whale(R);
		else if (R->usdc_capped && chance(&R->rng, 2))
			scen_capped_whale_sells(R);
		else if (R->variant == 0 && !(avoid & AV_USDC_CAP) && !R->usdc_capped &&
			 R->index >= 8000) /* fixed: the stream must not depend on --commands */
			scen_usdc_cap(R);
	}
	if (R->ipend < R->npend) {
		*c = R->pend[R->ipend++];
	} else if (R->index % 97 == 96) { /* periodic full depth of one market */
		c->type = SX_CMD_GET_DEPTH;
		c->u.depth.market = (uint16_t)(R->index / 97 % R->cfg.nmarkets);
		c->u.depth.levels = SX_DEPTH_LEVELS_MAX;
	} else {
		uint64_t k = rbelow(&R->rng, 1000);
		if (k < 300)
			gen_limit(R, c, SX_GTC, false);
		else if (k < 350)
			gen_limit(R, c, SX_GTC, true);
		else if (k < 385)
			gen_limit(R, c, SX_IOC, false);
		else if (k < 420)
			gen_limit(R, c, SX_FOK, false);
		else if (k < 460)
			gen_limit(R, c, SX_POST_ONLY, false);
		else if (k < 510)
			gen_market(R, c);
		else if (k < 550)
			gen_self_trade(R, c);
		else if (k < 640)
			gen_cancel_get(R, c, SX_CMD_CANCEL_ORDER);
		else if (k < 750)
			gen_amend(R, c);
		else if (k < 780)
			gen_cancel_get(R, c, SX_CMD_GET_ORDER);
		else if (k < 840)
			gen_funds(R, c, true);
		else if (k < 865)
			gen_funds(R, c, false);
		else if (k < 950)
			gen_query(R, c);
		else
			gen_junk(R, c);
	}
	if ((avoid & AV_SELL_NOTIONAL) && c->type == SX_CMD_PLACE_ORDER &&
	    c->u.place.otype == SX_LIMIT && c->u.place.side == SX_SELL &&
	    c->u.place.market < R->cfg.nmarkets && c->u.place.price > 0 && c->u.place.qty > 0) {
		int64_t n;
		if (!ref_notional(&R->cfg.markets[c->u.place.market], c->u.place.price,
				  c->u.place.qty, &n))
			c->u.place.side = SX_BUY;
	}
	if ((avoid & AV_SELL_NOTIONAL) && c->type == SX_CMD_AMEND_ORDER &&
	    c->u.order.ref.order_id && (c->u.order.has_qty || c->u.order.has_price)) {
		for (size_t i = 0; i < R->r->nbook; i++) {
			const struct ref_order *o = &R->r->book[i];
			int64_t n;
			if (o->id != c->u.order.ref.order_id || o->side != SX_SELL)
				continue;
			if (!ref_notional(&R->cfg.markets[o->market],
					  c->u.order.has_price && c->u.order.price > 0 ? c->u.order.price : o->price,
					  c->u.order.has_qty && c->u.order.qty > 0 ? c->u.order.qty : o->remaining,
					  &n)) {
				c->u.order.has_qty = 1;
				c->u.order.qty = 1;
				c->u.order.has_price = 0;
			}
		}
	}
	gen_reqid(R, c);
	c->has_ts = 1;
	c->ts = 1700000000000000000ull + R->seq * 1000;
}

/* ---- descriptions --------------------------------------------------------------- */

static void fmt_str(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 32 && ch < 127 && ch != '"')
			dst[o++] = (char)ch;
		else
			o += (size_t)snprintf(dst + o, cap - o, "\\x%02x", ch);
	}
	dst[o] = 0;
}

static void describe_cmd(const struct sx_cmd *c, char *buf, size_t cap)
{
	char user[300], coid[200];
	fmt_str(user, sizeof(user), c->user, c->user_len > SX_USERID_MAX ? SX_USERID_MAX : c->user_len);
	int n = snprintf(buf, cap, "%s(type %u) user=\"%s\"(len %u)",
			 c->type < SX_CMD_TYPE_COUNT ? sx_cmd_type_name((enum sx_cmd_type)c->type) : "?",
			 c->type, user, c->user_len);
	if (n < 0 || (size_t)n >= cap)
		return;
	buf += n;
	cap -= (size_t)n;
	switch (c->type) {
	case SX_CMD_REJECTED:
		snprintf(buf, cap, " rej code=%s field=%u detail=%u orig_type=%u",
			 code_name(c->u.rej.code), c->u.rej.field, c->u.rej.detail, c->u.rej.orig_type);
		break;
	case SX_CMD_DEPOSIT:
	case SX_CMD_WITHDRAW:
		snprintf(buf, cap, " asset=%u amount=%" PRId64, c->u.funds.asset, c->u.funds.amount);
		break;
	case SX_CMD_PLACE_ORDER: {
		const struct sx_cmd_place *p = &c->u.place;
		fmt_str(coid, sizeof(coid), p->coid, p->coid_len > SX_COID_MAX ? SX_COID_MAX : p->coid_len);
		snprintf(buf, cap,
			 " market=%u side=%u otype=%u tif=%u stp=%u qty=%" PRId64 " price=%" PRId64
			 " slippage=%s%u coid=\"%s\"(len %u)",
			 p->market, p->side, p->otype, p->tif, p->stp, p->qty, p->price,
			 p->has_slippage ? "" : "(none)", p->slippage_bps, coid, p->coid_len);
		break;
	}
	case SX_CMD_CANCEL_ORDER:
	case SX_CMD_AMEND_ORDER:
	case SX_CMD_GET_ORDER: {
		const struct sx_cmd_order *o = &c->u.order;
		fmt_str(coid, sizeof(coid), o->ref.coid,
			o->ref.coid_len > SX_COID_MAX ? SX_COID_MAX : o->ref.coid_len);
		snprintf(buf, cap,
			 " market=%u orderId=%" PRIu64 " coid=\"%s\"(len %u) qty=%s%" PRId64
			 " price=%s%" PRId64,
			 o->market, o->ref.order_id, coid, o->ref.coid_len, o->has_qty ? "" : "(none)",
			 o->qty, o->has_price ? "" : "(none)", o->price);
		break;
	}
	case SX_CMD_GET_DEPTH:
		snprintf(buf, cap, " market=%u levels=%u", c->u.depth.market, c->u.depth.levels);
		break;
	case SX_CMD_QUOTE:
		snprintf(buf, cap, " market=%u side=%u qty=%" PRId64, c->u.quote.market,
			 c->u.quote.side, c->u.quote.qty);
		break;
	default:
		break;
	}
}

static void describe_order(const struct sx_order_view *v, char *buf, size_t cap)
{
	char coid[200];
	fmt_str(coid, sizeof(coid), v->coid, v->coid_len > SX_COID_MAX ? SX_COID_MAX : v->coid_len);
	snprintf(buf, cap,
		 "order id=%" PRIu64 " user=%u market=%u side=%u otype=%u tif=%u status=%s price=%" PRId64
		 " qty=%" PRId64 " filled=%" PRId64 " remaining=%" PRId64 " coid=\"%s\"",
		 v->id, v->user, v->market, v->side, v->otype, v->tif,
		 v->status <= SX_ST_EXPIRED ? sx_status_name((enum sx_status)v->status) : "?", v->price,
		 v->qty, v->filled, v->remaining, coid);
}

static void describe_out(const struct sx_out *o, char *buf, size_t cap)
{
	switch (o->kind) {
	case SX_OUT_REPLY: {
		const struct sx_reply_view *r = &o->u.reply;
		snprintf(buf, cap,
			 "REPLY code=%s cmd_type=%u orig_type=%u field=%u detail=%u account=%u asset=%u market=%u"
			 " a=%" PRId64 " b=%" PRId64 " c=%" PRId64 " reqid_len=%u",
			 code_name(r->code), r->cmd_type, r->orig_type, r->field, r->detail,
			 r->account, r->asset, r->market, r->a, r->b, r->c, r->reqid_len);
		break;
	}
	case SX_OUT_ACCOUNT: {
		char name[300];
		fmt_str(name, sizeof(name), o->u.account.name,
			o->u.account.len > SX_USERID_MAX ? SX_USERID_MAX : o->u.account.len);
		snprintf(buf, cap, "ACCOUNT %u \"%s\"", o->u.account.account, name);
		break;
	}
	case SX_OUT_EV_ORDER:
	case SX_OUT_IT_ORDER: {
		char ob[400];
		describe_order(&o->u.order, ob, sizeof(ob));
		snprintf(buf, cap, "%s %s", o->kind == SX_OUT_EV_ORDER ? "EV" : "IT", ob);
		break;
	}
	case SX_OUT_EV_TRADE: {
		const struct sx_trade_view *t = &o->u.trade;
		snprintf(buf, cap,
			 "EV trade id=%" PRIu64 " maker=%" PRIu64 "(user %u) taker=%" PRIu64
			 "(user %u) market=%u taker_side=%u price=%" PRId64 " qty=%" PRId64
			 " maker_fee=%" PRId64 " taker_fee=%" PRId64,
			 t->trade_id, t->maker_order, t->maker_user, t->taker_order, t->taker_user,
			 t->market, t->taker_side, t->price, t->qty, t->maker_fee, t->taker_fee);
		break;
	}
	case SX_OUT_EV_BALANCE:
	case SX_OUT_IT_BALANCE:
		snprintf(buf, cap, "%s balance account=%u asset=%u available=%" PRId64 " locked=%" PRId64,
			 o->kind == SX_OUT_EV_BALANCE ? "EV" : "IT", o->u.balance.account,
			 o->u.balance.asset, o->u.balance.available, o->u.balance.locked);
		break;
	case SX_OUT_IT_LEVEL:
		snprintf(buf, cap, "IT level market=%u side=%u price=%" PRId64 " qty=%" PRId64,
			 o->u.level.market, o->u.level.side, o->u.level.price, o->u.level.qty);
		break;
	default:
		snprintf(buf, cap, "record kind %u", o->kind);
		break;
	}
}

/* ---- comparison ------------------------------------------------------------------- */

static char why[4096];

__attribute__((format(printf, 1, 2))) static bool fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return false;
}

static bool order_eq(const struct sx_order_view *a, const struct sx_order_view *b)
{
	return a->id == b->id && a->price == b->price && a->qty == b->qty &&
	       a->filled == b->filled && a->remaining == b->remaining && a->user == b->user &&
	       a->market == b->market && a->side == b->side && a->otype == b->otype &&
	       a->tif == b->tif && a->status == b->status && a->coid_len == b->coid_len &&
	       memcmp(a->coid, b->coid, a->coid_len <= SX_COID_MAX ? a->coid_len : 0) == 0;
}

static bool trade_eq(const struct sx_trade_view *a, const struct sx_trade_view *b)
{
	return a->trade_id == b->trade_id && a->maker_order == b->maker_order &&
	       a->taker_order == b->taker_order && a->price == b->price && a->qty == b->qty &&
	       a->maker_fee == b->maker_fee && a->taker_fee == b->taker_fee &&
	       a->maker_user == b->maker_user && a->taker_user == b->taker_user &&
	       a->market == b->market && a->taker_side == b->taker_side;
}

static bool out_eq(const struct sx_out *a, const struct sx_out *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case SX_OUT_ACCOUNT:
		return a->u.account.account == b->u.account.account &&
		       a->u.account.len == b->u.account.len &&
		       memcmp(a->u.account.name, b->u.account.name,
			      a->u.account.len <= SX_USERID_MAX ? a->u.account.len : 0) == 0;
	case SX_OUT_EV_ORDER:
	case SX_OUT_IT_ORDER:
		return order_eq(&a->u.order, &b->u.order);
	case SX_OUT_EV_TRADE:
		return trade_eq(&a->u.trade, &b->u.trade);
	case SX_OUT_EV_BALANCE:
	case SX_OUT_IT_BALANCE:
		return a->u.balance.account == b->u.balance.account &&
		       a->u.balance.asset == b->u.balance.asset &&
		       a->u.balance.available == b->u.balance.available &&
		       a->u.balance.locked == b->u.balance.locked;
	case SX_OUT_IT_LEVEL:
		return a->u.level.market == b->u.level.market && a->u.level.side == b->u.level.side &&
		       a->u.level.price == b->u.level.price && a->u.level.qty == b->u.level.qty;
	default:
		return false;
	}
}

/* Compare a list of engine records of some kinds with the model's list. */
static bool list_eq(const char *what, const struct sx_out *ev, size_t nev,
		    const struct ref_outv *mv)
{
	size_t n = nev < mv->n ? nev : mv->n;
	for (size_t i = 0; i < n; i++) {
		if (!out_eq(&ev[i], &mv->v[i])) {
			char a[600], b[600];
			describe_out(&ev[i], a, sizeof(a));
			describe_out(&mv->v[i], b, sizeof(b));
			return fail("%s #%zu differs:\n  engine: %s\n  model:  %s", what, i, a, b);
		}
	}
	if (nev != mv->n)
		return fail("%s: engine has %zu, model has %zu", what, nev, mv->n);
	return true;
}

static bool is_event(uint8_t k)
{
	return k == SX_OUT_EV_ORDER || k == SX_OUT_EV_TRADE;
}

static bool is_item(uint8_t k)
{
	return k == SX_OUT_IT_ORDER || k == SX_OUT_IT_BALANCE || k == SX_OUT_IT_LEVEL;
}

static bool bal_eq(const struct ref_bal *a, const struct ref_bal *b)
{
	return a->avail == b->avail && a->locked == b->locked;
}

static bool compare_balances(struct run *R, uint32_t h)
{
	for (uint16_t a = 0; a < R->cfg.nassets; a++) {
		int64_t av = 0, lk = 0;
		if (sx_engine_balance(R->e, h, a, &av, &lk) != 0)
			return fail("sx_engine_balance(account %u, asset %u) failed", h, a);
		const struct ref_bal *b = &R->r->acct[h].bal[a];
		if (av != b->avail || lk != b->locked)
			return fail("balance of account %u asset %u: engine %" PRId64 "/%" PRId64
				    ", model %" PRId64 "/%" PRId64 " (available/locked)",
				    h, a, av, lk, b->avail, b->locked);
	}
	return true;
}

static bool compare_state(struct run *R, bool full, int market_only)
{
	char msg[512] = "";
	if (sx_engine_validate(R->e, msg, sizeof(msg)) != 0)
		return fail("sx_engine_validate failed: %s", msg);
	if (ref_check(R->r, msg, sizeof(msg)) != 0)
		return fail("%s", msg);
	if (sx_engine_user_count(R->e) != ref_user_count(R->r))
		return fail("user count: engine %u, model %u", sx_engine_user_count(R->e),
			    ref_user_count(R->r));
	if (sx_engine_order_count(R->e) != R->r->nbook)
		return fail("resting order count: engine %u, model %zu", sx_engine_order_count(R->e),
			    R->r->nbook);
	for (uint16_t m = 0; m < R->cfg.nmarkets; m++) {
		for (uint8_t s = SX_BUY; s <= SX_SELL; s++) {
			int64_t eb = sx_engine_best_price(R->e, m, (enum sx_side)s);
			int64_t rb = ref_best_price(R->r, m, s);
			if (eb != rb)
				return fail("best %s of market %u: engine %" PRId64 ", model %" PRId64,
					    s == SX_BUY ? "bid" : "ask", m, eb, rb);
			if (full || m == market_only) {
				uint32_t el = sx_engine_level_count(R->e, m, (enum sx_side)s);
				uint32_t rl = ref_level_count(R->r, m, s);
				if (el != rl)
					return fail("level count of market %u side %u: engine %u, model %u",
						    m, s, el, rl);
			}
		}
	}
	/* accounts the command touched */
	for (size_t k = 0; k < R->res.ntouch; k++)
		if (!compare_balances(R, R->res.touch[k].acct))
			return false;
	if (full) {
		for (uint32_t h = 0; h < R->r->nacct; h++)
			if (!compare_balances(R, h))
				return false;
		int64_t av, lk;
		if (sx_engine_balance(R->e, R->r->nacct, 0, &av, &lk) == 0)
			return fail("sx_engine_balance accepts account %u beyond the last", R->r->nacct);
		for (uint16_t a = 0; a < R->cfg.nassets; a++)
			if (sx_engine_supply(R->e, a) != R->r->supply[a])
				return fail("supply of asset %u: engine %lld, model %lld", a,
					    (long long)sx_engine_supply(R->e, a),
					    (long long)R->r->supply[a]);
	}
	return true;
}

static int cmd_market(const struct sx_cmd *c)
{
	switch (c->type) {
	case SX_CMD_PLACE_ORDER: return c->u.place.market;
	case SX_CMD_CANCEL_ORDER:
	case SX_CMD_AMEND_ORDER: return c->u.order.market;
	default: return -1;
	}
}

static bool compare_command(struct run *R, const struct sx_cmd *c)
{
	const struct outbuf *o = &R->out;
	const struct ref_result *res = &R->res;
	/* record grammar: ACCOUNT* (EV_ORDER|EV_TRADE)* EV_BALANCE* IT_* REPLY */
	if (o->n == 0 || o->v[o->n - 1].kind != SX_OUT_REPLY)
		return fail("the command's last record is not a reply (%zu records)", o->n);
	int phase = 0;
	size_t nacc = 0, nev = 0, nbal = 0, nit = 0;
	for (size_t i = 0; i < o->n; i++) {
		const struct sx_out *x = &o->v[i];
		int ph;
		if (x->seq != R->seq || x->ts != c->ts)
			return fail("record %zu has seq %" PRIu64 " ts %" PRIu64 ", expected %" PRIu64
				    " %" PRIu64, i, x->seq, x->ts, R->seq, c->ts);
		if (x->kind == SX_OUT_ACCOUNT)
			ph = 0, nacc++;
		else if (is_event(x->kind))
			ph = 1, nev++;
		else if (x->kind == SX_OUT_EV_BALANCE)
			ph = 2, nbal++;
		else if (is_item(x->kind))
			ph = 3, nit++;
		else if (x->kind == SX_OUT_REPLY && i == o->n - 1)
			ph = 4;
		else
			return fail("record %zu has unexpected kind %u", i, x->kind);
		if (ph < phase)
			return fail("record %zu (kind %u) out of order", i, x->kind);
		phase = ph;
	}
	if (res->overflow[0])
		return fail("the command was accepted (engine %s) but moves a balance out of int64 "
			    "(spec §1-2: balances are int64, user balances never negative): %s",
			    code_name(o->v[o->n - 1].u.reply.code), res->overflow);
	const struct sx_reply_view *rp = &o->v[o->n - 1].u.reply;
	if (rp->code != res->code)
		return fail("reply code: engine %s, model %s", code_name(rp->code), code_name(res->code));
	if (rp->reqid_len != c->reqid_len || memcmp(rp->reqid, c->reqid, c->reqid_len) != 0)
		return fail("reply reqId not echoed (len %u vs %u)", rp->reqid_len, c->reqid_len);
	if (c->type == SX_CMD_REJECTED) {
		if (rp->cmd_type != SX_CMD_REJECTED || rp->orig_type != c->u.rej.orig_type ||
		    rp->field != c->u.rej.field || rp->detail != c->u.rej.detail)
			return fail("decoder rejection not echoed: cmd_type %u orig_type %u field %u detail %u",
				    rp->cmd_type, rp->orig_type, rp->field, rp->detail);
	} else if (c->type < SX_CMD_TYPE_COUNT && rp->cmd_type != c->type) {
		return fail("reply cmd_type %u, command type %u", rp->cmd_type, c->type);
	}
	if (res->code == SX_OK) {
		if (res->account != SX_ACCT_NONE && rp->account != res->account)
			return fail("reply account: engine %u, model %u", rp->account, res->account);
		if (c->type == SX_CMD_DEPOSIT || c->type == SX_CMD_WITHDRAW) {
			if (rp->a != res->a || rp->b != res->b || rp->asset != c->u.funds.asset)
				return fail("funds reply: engine asset %u a=%" PRId64 " b=%" PRId64
					    ", model a=%" PRId64 " b=%" PRId64,
					    rp->asset, rp->a, rp->b, res->a, res->b);
		}
		if ((c->type == SX_CMD_PLACE_ORDER || c->type == SX_CMD_CANCEL_ORDER ||
		     c->type == SX_CMD_AMEND_ORDER || c->type == SX_CMD_GET_ORDER) && rp->a != res->a)
			return fail("order reply: engine a (order id) = %" PRId64 ", model %" PRId64,
				    rp->a, res->a);
		if (c->type == SX_CMD_QUOTE) {
			if (rp->a != res->a || rp->b != res->b || rp->c != res->c ||
			    rp->market != c->u.quote.market)
				return fail("QUOTE reply: engine qty=%" PRId64 " notional=%" PRId64
					    " fee=%" PRId64 " market %u, model qty=%" PRId64
					    " notional=%" PRId64 " fee=%" PRId64,
					    rp->a, rp->b, rp->c, rp->market, res->a, res->b, res->c);
		}
	} else if (o->n != 1) {
		return fail("a rejected command emitted %zu records besides its reply", o->n - 1);
	}
	if (!list_eq("ACCOUNT record", o->v, nacc, &res->accounts))
		return false;
	if (!list_eq("event", o->v + nacc, nev, &res->events))
		return false;
	if (!list_eq("query item", o->v + nacc + nev + nbal, nit, &res->items))
		return false;
	/* balance events: exactly the (account, asset) pairs whose value changed */
	const struct sx_out *bv = o->v + nacc + nev;
	for (size_t i = 0; i < nbal; i++) {
		const struct sx_balance_view *b = &bv[i].u.balance;
		for (size_t j = 0; j < i; j++)
			if (bv[j].u.balance.account == b->account && bv[j].u.balance.asset == b->asset)
				return fail("two balance events for account %u asset %u", b->account,
					    b->asset);
		size_t k;
		for (k = 0; k < res->ntouch; k++)
			if (res->touch[k].acct == b->account && res->touch[k].asset == b->asset)
				break;
		if (k == res->ntouch || b->account >= R->r->nacct || b->asset >= R->cfg.nassets)
			return fail("balance event for account %u asset %u, which the model did not touch",
				    b->account, b->asset);
		const struct ref_bal *now = &R->r->acct[b->account].bal[b->asset];
		struct ref_bal ev = {b->available, b->locked};
		if (!bal_eq(&ev, now))
			return fail("balance event account %u asset %u: %" PRId64 "/%" PRId64
				    ", model %" PRId64 "/%" PRId64,
				    b->account, b->asset, b->available, b->locked, now->avail,
				    now->locked);
		if (bal_eq(now, &res->touch[k].before))
			return fail("balance event for account %u asset %u whose value did not change"
				    " (%" PRId64 "/%" PRId64 ")",
				    b->account, b->asset, now->avail, now->locked);
	}
	/* docs/state-machine.md: the demo credit is the command's first balance change */
	if (res->accounts.n && R->cfg.demo_balance > 0) {
		uint32_t h = res->accounts.v[0].u.account.account;
		for (size_t i = 0; i < nbal; i++)
			if (bv[i].u.balance.account == h && bv[i].u.balance.asset == R->cfg.demo_asset &&
			    i != 0)
				return fail("the new account's demo credit is balance event #%zu, not the first", i);
	}
	for (size_t k = 0; k < res->ntouch; k++) {
		const struct ref_touch *t = &res->touch[k];
		if (bal_eq(&R->r->acct[t->acct].bal[t->asset], &t->before))
			continue;
		size_t i;
		for (i = 0; i < nbal; i++)
			if (bv[i].u.balance.account == t->acct && bv[i].u.balance.asset == t->asset)
				break;
		if (i == nbal)
			return fail("no balance event for account %u asset %u (model: %" PRId64 "/%" PRId64
				    " -> %" PRId64 "/%" PRId64 ")",
				    t->acct, t->asset, t->before.avail, t->before.locked,
				    R->r->acct[t->acct].bal[t->asset].avail,
				    R->r->acct[t->acct].bal[t->asset].locked);
	}
	return true;
}

static void report(struct run *R, const struct sx_cmd *c)
{
	char buf[1024];
	describe_cmd(c, buf, sizeof(buf));
	fprintf(stderr,
		"\nMISMATCH seed=%" PRIu64 " index=%ld seq=%" PRIu64 " (variant %d: %s)\n"
		"  %s\n  command: %s\n",
		R->seed, R->index, R->seq, R->variant, R->variant_desc, why, buf);
	fprintf(stderr, "  engine output (%zu records):\n", R->out.n);
	for (size_t i = 0; i < R->out.n && i < 200; i++) {
		describe_out(&R->out.v[i], buf, sizeof(buf));
		fprintf(stderr, "    %s\n", buf);
	}
	fprintf(stderr, "  model: code=%s account=%u a=%" PRId64 " b=%" PRId64 " c=%" PRId64 "\n",
		code_name(R->res.code), R->res.account, R->res.a, R->res.b, R->res.c);
	const struct ref_outv *lists[] = {&R->res.accounts, &R->res.events, &R->res.items};
	for (size_t l = 0; l < 3; l++)
		for (size_t i = 0; i < lists[l]->n && i < 200; i++) {
			describe_out(&lists[l]->v[i], buf, sizeof(buf));
			fprintf(stderr, "    %s\n", buf);
		}
	for (size_t k = 0; k < R->res.ntouch; k++) {
		const struct ref_touch *t = &R->res.touch[k];
		const struct ref_bal *now = &R->r->acct[t->acct].bal[t->asset];
		fprintf(stderr, "    balance account=%u asset=%u %" PRId64 "/%" PRId64 " -> %" PRId64 "/%" PRId64 "\n",
			t->acct, t->asset, t->before.avail, t->before.locked, now->avail, now->locked);
	}
	int mk = cmd_market(c);
	if (c->type == SX_CMD_GET_DEPTH)
		mk = c->u.depth.market;
	if (c->type == SX_CMD_QUOTE)
		mk = c->u.quote.market;
	if (mk >= 0 && mk < R->cfg.nmarkets) {
		fprintf(stderr, "  model book of market %d before the command (side, price, rest order):\n", mk);
		for (int side = SX_BUY; side <= SX_SELL; side++) {
			/* naive: repeatedly print the best not yet printed */
			bool *done = calloc(R->prev_n + 1, 1);
			for (;;) {
				long best = -1;
				for (size_t i = 0; i < R->prev_n; i++) {
					const struct ref_order *o = &R->prev_book[i];
					if (done[i] || o->market != mk || o->side != side)
						continue;
					const struct ref_order *b = best < 0 ? NULL : &R->prev_book[best];
					if (!b || (o->price != b->price
						   ? (side == SX_BUY ? o->price > b->price : o->price < b->price)
						   : o->rest_seq < b->rest_seq))
						best = (long)i;
				}
				if (best < 0)
					break;
				done[best] = true;
				struct sx_order_view v;
				const struct ref_order *o = &R->prev_book[best];
				memset(&v, 0, sizeof(v));
				v.id = o->id; v.price = o->price; v.qty = o->qty; v.filled = o->filled;
				v.remaining = o->remaining; v.user = o->user; v.market = o->market;
				v.side = o->side; v.otype = o->otype; v.tif = o->tif; v.status = o->status;
				v.coid_len = o->coid_len;
				memcpy(v.coid, o->coid, o->coid_len);
				describe_order(&v, buf, sizeof(buf));
				fprintf(stderr, "    %s\n", buf);
			}
			free(done);
		}
	}
	if (R->variant >= 0)
		fprintf(stderr, "  reproduce: test_differential --seed %" PRIu64 " --commands %ld --trace\n",
			R->seed, R->index + 1);
	else
		fprintf(stderr, "  reproduce: test_differential --directed-only --trace\n");
}

/* Apply one command to both and compare; false on mismatch. */
static bool step(struct run *R, const struct sx_cmd *c, bool full)
{
	R->seq++;
	R->out.n = 0;
	if (R->trace) {
		char buf[1024];
		describe_cmd(c, buf, sizeof(buf));
		fprintf(stderr, "[%ld seq %" PRIu64 "] %s\n", R->index, R->seq, buf);
	}
	if (R->prev_cap < R->r->nbook) {
		R->prev_cap = R->r->nbook * 2;
		R->prev_book = realloc(R->prev_book, R->prev_cap * sizeof(*R->prev_book));
		if (!R->prev_book) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	if (R->r->nbook)
		memcpy(R->prev_book, R->r->book, R->r->nbook * sizeof(*R->prev_book));
	R->prev_n = R->r->nbook;
	sx_engine_apply(R->e, R->seq, c);
	ref_apply(R->r, c, &R->res);
	if (R->trace) {
		char buf[1024];
		for (size_t i = 0; i < R->out.n; i++) {
			describe_out(&R->out.v[i], buf, sizeof(buf));
			fprintf(stderr, "    %s\n", buf);
		}
	}
	bool ok = compare_command(R, c) && compare_state(R, full, cmd_market(c));
	if (!ok) {
		report(R, c);
		return false;
	}
	uint8_t code = R->res.code;
	R->by_code[code < SX_CODE_COUNT ? code : 0]++;
	R->per_type[c->type < SX_CMD_TYPE_COUNT ? c->type : SX_CMD_TYPE_COUNT]++;
	if (code == SX_OK)
		R->accepted++;
	else
		R->rejected++;
	for (size_t i = 0; i < R->res.events.n; i++) {
		if (R->res.events.v[i].kind == SX_OUT_EV_TRADE)
			R->trades++;
		else
			R->order_events++;
	}
	if ((long)R->r->nbook > R->max_resting)
		R->max_resting = (long)R->r->nbook;
	return true;
}

/* End of a run: full depth of every market and everyone's open orders. */
static bool final_checks(struct run *R)
{
	struct sx_cmd c;
	for (uint16_t m = 0; m < R->cfg.nmarkets; m++) {
		memset(&c, 0, sizeof(c));
		c.type = SX_CMD_GET_DEPTH;
		c.u.depth.market = m;
		c.u.depth.levels = SX_DEPTH_LEVELS_MAX;
		c.ts = 1700000000000000000ull + (R->seq + 1) * 1000;
		R->index++;
		if (!step(R, &c, true))
			return false;
	}
	for (uint32_t h = SX_ACCT_FIRST_USER; h < R->r->nacct; h++) {
		memset(&c, 0, sizeof(c));
		c.type = SX_CMD_CHECK_OPEN_ORDERS;
		set_user_handle(R, &c, h);
		c.ts = 1700000000000000000ull + (R->seq + 1) * 1000;
		R->index++;
		if (!step(R, &c, false))
			return false;
	}
	return compare_state(R, true, -1) || (report(R, &c), false);
}

static int run_seed(uint64_t seed, long ncmd, bool trace, bool quiet)
{
	struct run *R = calloc(1, sizeof(*R));
	if (!R)
		return 2;
	R->seed = seed;
	R->ncmd = ncmd;
	R->trace = trace;
	uint64_t x = seed;
	R->rng.s = splitmix64(&x) | 1;
	make_config(R);
	static struct sx_record_sink rsink; /* one engine at a time; outlives it */
	sx_record_sink_init(&rsink, sink_emit, &R->out);
	int rc = sx_engine_create(&R->cfg, &rsink.sink, &R->e);
	if (rc != 0) {
		fprintf(stderr, "seed %" PRIu64 ": sx_engine_create failed (%d)\n", seed, rc);
		free(R);
		return 2;
	}
	R->r = ref_create(&R->cfg);
	ref_result_init(&R->res);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int result = 0;
	for (R->index = 0; R->index < ncmd; R->index++) {
		struct sx_cmd c;
		gen_command(R, &c);
		if (!step(R, &c, R->index % 1000 == 999)) {
			result = 1;
			break;
		}
	}
	if (result == 0 && !final_checks(R))
		result = 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (!quiet || result)
		printf("seed %" PRIu64 " [%s]: %s after %ld commands: %ld accepted, %ld rejected "
		       "(%ld insufficient, %ld unknown order, %ld overloaded, %ld would-cross, %ld dup coid), "
		       "%ld trades, %ld order events, max %ld resting, %u users, %.2f s\n",
		       seed, R->variant_desc, result ? "MISMATCH" : "ok", R->index, R->accepted,
		       R->rejected, R->by_code[SX_INSUFFICIENT_BALANCE], R->by_code[SX_UNKNOWN_ORDER],
		       R->by_code[SX_OVERLOADED], R->by_code[SX_WOULD_CROSS],
		       R->by_code[SX_DUPLICATE_CLIENT_ORDER_ID], R->trades, R->order_events,
		       R->max_resting, ref_user_count(R->r), secs);
	if (!quiet || result) {
		const struct ref_stats *st = &R->r->st;
		printf("  coverage: largest trade notional %" PRId64 "; stp cancel_maker %ld, cancel_taker %ld; fok filled %ld, expired %ld; "
		       "market filled %ld, stopped by balance %ld, by protection %ld, on empty book %ld; "
		       "ioc expired after fills %ld; rested after fills %ld; takers with 2+ fills %ld; "
		       "amend keep %ld, move %ld, move+trade %ld, to zero %ld\n",
		       st->max_notional, st->stp_cancel_maker, st->stp_cancel_taker, st->fok_filled, st->fok_expired,
		       st->market_filled, st->market_afford_stop, st->market_limit_stop,
		       st->market_empty, st->ioc_expired_after_fill, st->rested_after_fill,
		       st->multi_fill, st->amend_keep, st->amend_move, st->amend_cross,
		       st->amend_cancel);
	}
	fflush(stdout);
	sx_engine_destroy(R->e);
	ref_destroy(R->r);
	ref_result_free(&R->res);
	free(R->out.v);
	free(R->prev_book);
	free(R);
	return result;
}


/* ---- directed scenarios --------------------------------------------------------- */

/*
 * Short fixed command lists, each checked by the same engine-vs-model
 * comparison as the random streams. Each pins one rule found fragile by
 * the random runs, so that it fails (or passes) deterministically.
 */
struct dlist {
	struct sx_cmd c[16];
	int n;
};

static struct sx_cmd *dnew(struct dlist *d, const char *user)
{
	struct sx_cmd *c = &d->c[d->n++];
	memset(c, 0, sizeof(*c));
	if (user)
		set_user(c, user, strlen(user));
	return c;
}

static void d_funds(struct dlist *d, const char *user, uint8_t type, uint16_t asset, int64_t amount)
{
	struct sx_cmd *c = dnew(d, user);
	c->type = type;
	c->u.funds.asset = asset;
	c->u.funds.amount = amount;
}

static struct sx_cmd *d_limit(struct dlist *d, const char *user, uint16_t mk, uint8_t side,
			      uint8_t tif, int64_t price, int64_t qty)
{
	struct sx_cmd *c = dnew(d, user);
	c->type = SX_CMD_PLACE_ORDER;
	c->u.place.market = mk;
	c->u.place.side = side;
	c->u.place.otype = SX_LIMIT;
	c->u.place.tif = tif;
	c->u.place.price = price;
	c->u.place.qty = qty;
	return c;
}

static struct sx_cmd *d_market(struct dlist *d, const char *user, uint16_t mk, uint8_t side,
			       int64_t qty, uint8_t stp)
{
	struct sx_cmd *c = dnew(d, user);
	c->type = SX_CMD_PLACE_ORDER;
	c->u.place.market = mk;
	c->u.place.side = side;
	c->u.place.otype = SX_MARKET;
	c->u.place.qty = qty;
	c->u.place.stp = stp;
	return c;
}

static void d_order_cmd(struct dlist *d, const char *user, uint8_t type, uint16_t mk, uint64_t id,
			const char *coid, uint8_t coid_len)
{
	struct sx_cmd *c = dnew(d, user);
	c->type = type;
	c->u.order.market = mk;
	c->u.order.ref.order_id = id;
	c->u.order.ref.coid_len = coid_len;
	if (coid)
		memcpy(c->u.order.ref.coid, coid, coid_len <= SX_COID_MAX ? coid_len : SX_COID_MAX);
}

static void d_depth(struct dlist *d, uint16_t mk)
{
	struct sx_cmd *c = dnew(d, NULL);
	c->type = SX_CMD_GET_DEPTH;
	c->u.depth.market = mk;
	c->u.depth.levels = SX_DEPTH_LEVELS_MAX;
}

/* SOL_USDC (market 0): tick 0.01 USDC, lot 0.01 SOL, unit 100, lot_units 1e7. */
static void directed_build(int which, struct dlist *d, const char **name, const char **rule)
{
	d->n = 0;
	switch (which) {
	case 0:
		*name = "market buy stopped by its balance does not reach the next (own) order";
		*rule = "semantics §3 market: walks the book until filled, out of balance, or past "
			"protection; the remainder expires (a market buy stops when it cannot afford "
			"one more lot at the next maker's price)";
		/* alice sells 10 lots at 200000.00; bob's own 8 lots rest behind at the same
		 * price; bob (5000 USDC) can afford 2 lots (2 x 2000 USDC) and buys 8 at market */
		d_funds(d, "alice", SX_CMD_DEPOSIT, 1, 1000000000);
		d_funds(d, "bob", SX_CMD_DEPOSIT, 1, 1000000000);
		d_limit(d, "alice", 0, SX_SELL, SX_GTC, 20000000, 10);
		d_limit(d, "bob", 0, SX_SELL, SX_GTC, 20000000, 8);
		d_market(d, "bob", 0, SX_BUY, 8, SX_STP_CANCEL_TAKER); /* expired, not cancelled */
		d_market(d, "bob", 0, SX_BUY, 8, SX_STP_CANCEL_MAKER); /* own order must survive */
		d_depth(d, 0);
		break;
	case 1:
		*name = "limit sell whose notional overflows int64 is rejected";
		*rule = "semantics §1: products use 128-bit arithmetic, an overflowing value is "
			"INVALID_NUMBER (PLACE_ORDER: overflow of notional -> INVALID_NUMBER)";
		d_funds(d, "seller", SX_CMD_DEPOSIT, 1, 1000000000000);
		d_limit(d, "seller", 0, SX_SELL, SX_GTC, 100000000000000000, 100000);
		d_depth(d, 0);
		break;
	case 2:
		*name = "demo credits of new users cannot overflow a balance";
		*rule = "semantics §1-2: balances are int64, user balances never go negative, "
			"conservation holds exactly; overflow -> INVALID_NUMBER";
		/* the whale holds all USDC but 1000 (supply = INT64_MAX - 1000 USDC), sells
		 * 1 SOL for 3000 USDC to a new user whose 5000 USDC demo credit took the
		 * supply past INT64_MAX */
		d_funds(d, "whale", SX_CMD_DEPOSIT, 0, INT64_MAX - 6000000000);
		d_funds(d, "whale", SX_CMD_DEPOSIT, 1, 10000000000);
		d_limit(d, "whale", 0, SX_SELL, SX_GTC, 300000, 100);
		d_limit(d, "bob", 0, SX_BUY, SX_GTC, 300000, 100);
		break;
	case 3:
		*name = "order reference with neither orderId nor clientOrderId";
		*rule = "commands.md: CANCEL/GET/AMEND need orderId or clientOrderId (decoder: "
			"MISSING_FIELD); the engine re-checks ranges of binary records";
		d_funds(d, "carol", SX_CMD_DEPOSIT, 1, 1000000000);
		d_limit(d, "carol", 0, SX_SELL, SX_GTC, 15000, 10);
		d_order_cmd(d, "carol", SX_CMD_GET_ORDER, 0, 0, NULL, 0);
		d_order_cmd(d, "carol", SX_CMD_CANCEL_ORDER, 0, 0, NULL, 0);
		break;
	case 5:
		*name = "order pool full (config max_orders 1): only an order that would rest is "
			"OVERLOADED, and the pool is checked last";
		*rule = "docs/state-machine.md validation order: ... funds, would-cross, and last the "
			"order pool: a post_only, or a gtc that cannot fill completely now against other "
			"users' liquidity, is OVERLOADED; ioc, fok, market and a gtc that fills are accepted";
		d_funds(d, "erin", SX_CMD_DEPOSIT, 1, 1000000000);
		d_limit(d, "erin", 0, SX_SELL, SX_GTC, 15000, 10);          /* rests: pool full */
		d_limit(d, "frank", 0, SX_BUY, SX_GTC, 15000, 5);           /* fills: accepted */
		d_limit(d, "frank", 0, SX_BUY, SX_GTC, 15000, 10);          /* 5 short: OVERLOADED */
		d_limit(d, "frank", 0, SX_SELL, SX_POST_ONLY, 15100, 5);    /* would rest: OVERLOADED */
		d_limit(d, "frank", 0, SX_SELL, SX_GTC, 15100, 6);          /* funds first: INSUFFICIENT */
		d_limit(d, "frank", 0, SX_SELL, SX_POST_ONLY, 15000, 1);    /* would cross: WOULD_CROSS */
		d_limit(d, "erin", 0, SX_BUY, SX_GTC, 15000, 1);            /* own liquidity only: OVERLOADED */
		d_limit(d, "frank", 0, SX_BUY, SX_FOK, 15000, 5);           /* fok: fills */
		d_limit(d, "frank", 0, SX_BUY, SX_IOC, 15000, 5);           /* ioc: expires, accepted */
		break;
	case 6:
		*name = "a new user's first deposit plus its demo credit cannot overflow a balance";
		*rule = "semantics §1-2: balances are int64, user balances never go negative; the "
			"supply limit must count the demo credit of the account the deposit creates";
		/* bob's demo makes the supply 5000 USDC; the whale's first command deposits
		 * INT64_MAX - 5000 USDC (+ its own 5000 USDC demo credit); the whale then sells
		 * 1 SOL to bob for 3000 USDC */
		d_limit(d, "bob", 0, SX_BUY, SX_GTC, 1, 1);
		d_funds(d, "whale", SX_CMD_DEPOSIT, 0, INT64_MAX - 5000000000 - 1);
		d_funds(d, "whale", SX_CMD_DEPOSIT, 1, 10000000000);
		d_limit(d, "whale", 0, SX_SELL, SX_GTC, 300000, 100);
		d_limit(d, "bob", 0, SX_BUY, SX_GTC, 300000, 100);
		break;
	case 7:
		*name = "amending a sell to a notional that overflows int64 is rejected";
		*rule = "semantics §1: an overflowing value is INVALID_NUMBER (AMEND_ORDER that "
			"loses priority: overflow -> INVALID_NUMBER)";
		d_funds(d, "seller", SX_CMD_DEPOSIT, 1, 1000000000000);
		d_limit(d, "seller", 0, SX_SELL, SX_GTC, 15000, 100);
		{
			struct sx_cmd *c = dnew(d, "seller");
			c->type = SX_CMD_AMEND_ORDER;
			c->u.order.market = 0;
			c->u.order.ref.order_id = 1;
			c->u.order.has_price = 1;
			c->u.order.price = 100000000000000000; /* x 100 lots x unit 100 */
		}
		d_depth(d, 0);
		break;
	case 4:
	default:
		*name = "order reference with a clientOrderId longer than 36 bytes";
		*rule = "commands.md: clientOrderId <= 36 bytes, too long -> INVALID_COMMAND; the "
			"engine re-checks ranges of binary records (coid_len 200 would read past the "
			"record)";
		d_funds(d, "dave", SX_CMD_DEPOSIT, 1, 1000000000);
		d_limit(d, "dave", 0, SX_SELL, SX_GTC, 15000, 10);
		d_order_cmd(d, "dave", SX_CMD_GET_ORDER, 0, 0, NULL, 200);
		d_order_cmd(d, "dave", SX_CMD_CANCEL_ORDER, 0, 0, NULL, 37);
		break;
	}
}
#define NDIRECTED 8

/* Run the directed scenarios; returns how many failed. */
static int run_directed(bool quiet)
{
	int failed = 0;
	for (int w = 0; w < NDIRECTED; w++) {
		struct run *R = calloc(1, sizeof(*R));
		struct dlist d;
		const char *name = "", *rule = "";
		if (!R)
			return NDIRECTED;
		directed_build(w, &d, &name, &rule);
		R->seed = 0;
		R->variant = -1;
		R->trace = g_trace;
		snprintf(R->variant_desc, sizeof(R->variant_desc), "directed %d: %s", w + 1, name);
		sx_config_defaults(&R->cfg);
		if (w == 5)
			R->cfg.max_orders = 1;
		static struct sx_record_sink rsink; /* one engine at a time; outlives it */
		sx_record_sink_init(&rsink, sink_emit, &R->out);
		if (sx_engine_create(&R->cfg, &rsink.sink, &R->e) != 0) {
			free(R);
			return NDIRECTED;
		}
		R->r = ref_create(&R->cfg);
		ref_result_init(&R->res);
		bool ok = true;
		for (R->index = 0; R->index < d.n && ok; R->index++) {
			d.c[R->index].has_ts = 1;
			d.c[R->index].ts = 1700000000000000000ull + (R->seq + 1) * 1000;
			ok = step(R, &d.c[R->index], true);
		}
		if (!ok) {
			fprintf(stderr, "  rule: %s\n", rule);
			failed++;
		}
		if (!quiet || !ok)
			printf("directed %d (%s): %s\n", w + 1, name, ok ? "ok" : "MISMATCH");
		sx_engine_destroy(R->e);
		ref_destroy(R->r);
		ref_result_free(&R->res);
		free(R->out.v);
		free(R->prev_book);
		free(R);
	}
	fflush(stdout);
	return failed;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: test_differential [--seed N | --seeds A-B] [--commands N] [--trace] [--quiet]\n"
		"                         [--avoid NAME,...] [--directed | --no-directed | --directed-only]\n"
		"  default: the directed scenarios, then seeds 1..10, 10000 commands each\n"
		"  --trace  print every command and the engine's records to stderr\n"
		"  --avoid  do not generate inputs of known findings: ref-coid-len, ref-missing,\n"
		"           sell-notional, usdc-cap, or 'known' for all of them\n");
}

int main(int argc, char **argv)
{
	uint64_t first = 1, last = 10;
	long ncmd = 10000;
	bool trace = false, quiet = false, seeds_given = false;
	int directed = -1; /* -1: only when no seed is given, 0: no, 1: yes, 2: only */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--seed") && i + 1 < argc) {
			first = last = strtoull(argv[++i], NULL, 0);
			seeds_given = true;
		} else if (!strcmp(a, "--seeds") && i + 1 < argc) {
			char *end;
			first = strtoull(argv[++i], &end, 0);
			last = *end == '-' ? strtoull(end + 1, NULL, 0) : first;
			seeds_given = true;
		} else if (!strcmp(a, "--directed")) {
			directed = 1;
		} else if (!strcmp(a, "--no-directed")) {
			directed = 0;
		} else if (!strcmp(a, "--directed-only")) {
			directed = 2;
		} else if (!strcmp(a, "--commands") && i + 1 < argc) {
			ncmd = strtol(argv[++i], NULL, 0);
		} else if (!strcmp(a, "--avoid") && i + 1 < argc) {
			char *list = argv[++i];
			for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
				size_t k;
				if (!strcmp(tok, "known")) {
					for (k = 0; k < SX_ARRAY_LEN(avoid_names); k++)
						avoid |= avoid_names[k].bit;
					continue;
				}
				for (k = 0; k < SX_ARRAY_LEN(avoid_names); k++)
					if (!strcmp(tok, avoid_names[k].name))
						break;
				if (k == SX_ARRAY_LEN(avoid_names)) {
					fprintf(stderr, "unknown --avoid name %s\n", tok);
					return 2;
				}
				avoid |= avoid_names[k].bit;
			}
		} else if (!strcmp(a, "--trace")) {
			trace = true;
		} else if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else {
			usage();
			return 2;
		}
	}
	if (ncmd < 0 || last < first) {
		usage();
		return 2;
	}
	int failed = 0;
	if (directed == 1 || directed == 2 || (directed == -1 && !seeds_given)) {
		g_trace = trace;
		if (run_directed(quiet))
			failed = 1;
		if (directed == 2)
			return failed;
	}
	for (uint64_t s = first; s <= last; s++) {
		int rc = run_seed(s, ncmd, trace, quiet);
		if (rc) {
			failed = rc;
			break; /* the first mismatch ends the run */
		}
		if (s == UINT64_MAX)
			break;
	}
	return failed;
}
