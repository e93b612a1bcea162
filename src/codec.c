/*
 * codec.c - the JSON codec of spec/commands.md (see sequex/codec.h).
 *
 * Decoding checks, in order: the document (size, JSON, UTF-8, depth, an
 * object, duplicate keys), reqId, type, ts, then the type's fields in the
 * order of the commands table, each value by syntax, sign, step, range.
 * The first failure decides the reply. Markets and assets are resolved to
 * indexes and decimals to ticks / lots / minor units exactly.
 *
 * Encoding writes replies and events with a fixed key order so output is
 * byte-for-byte deterministic. Pure: no I/O, no allocation, no globals.
 */
#include "sequex/codec.h"

#include <string.h>

#include "sequex/decimal.h"
#include "sequex/json.h"

/* ------------------------------------------------------------------ */
/* decoding                                                            */

enum key_id {
	K_TYPE,
	K_REQID,
	K_USERID,
	K_TS,
	K_ASSET,
	K_AMOUNT,
	K_MARKET,
	K_SIDE,
	K_ORDERTYPE,
	K_QTY,
	K_PRICE,
	K_TIF,
	K_SLIPPAGE,
	K_STP,
	K_COID,
	K_ORDERID,
	K_LEVELS,
	K_COUNT
};

static const char *const key_names[K_COUNT] = {
	[K_TYPE] = "type",       [K_REQID] = "reqId",         [K_USERID] = "userId",
	[K_TS] = "ts",           [K_ASSET] = "asset",         [K_AMOUNT] = "amount",
	[K_MARKET] = "market",   [K_SIDE] = "side",           [K_ORDERTYPE] = "orderType",
	[K_QTY] = "qty",         [K_PRICE] = "price",         [K_TIF] = "tif",
	[K_SLIPPAGE] = "slippage", [K_STP] = "stp",           [K_COID] = "clientOrderId",
	[K_ORDERID] = "orderId", [K_LEVELS] = "levels",
};

#define MAX_MEMBERS 64

struct dctx {
	const struct sx_config *cfg;
	const char *buf;
	const struct sx_json_member *key[K_COUNT];
	struct sx_cmd *out;
	uint8_t type;
};

/* Reject: the command becomes SX_CMD_REJECTED. Always returns false. */
static bool fail(struct dctx *d, enum sx_code code, enum sx_field field, enum sx_detail detail)
{
	struct sx_cmd *c = d->out;
	c->type = SX_CMD_REJECTED;
	memset(&c->u, 0, sizeof(c->u));
	c->u.rej.code = (uint8_t)code;
	c->u.rej.field = (uint8_t)field;
	c->u.rej.detail = (uint8_t)detail;
	c->u.rej.orig_type = d->type;
	return false;
}

/* A member that is present and not null. */
static const struct sx_json_member *get(const struct dctx *d, enum key_id k)
{
	const struct sx_json_member *m = d->key[k];
	return m && m->type != SX_JSON_NULL ? m : NULL;
}

/*
 * A string field into dst (max bytes). Returns 1 when present and valid,
 * 0 when absent (rejects with MISSING_FIELD if required), -1 when rejected.
 */
static int str_field(struct dctx *d, enum key_id k, enum sx_field f, enum sx_code bad,
		     bool required, char *dst, size_t max, size_t *len)
{
	const struct sx_json_member *m = get(d, k);
	if (!m) {
		if (required)
			fail(d, SX_MISSING_FIELD, f, SX_D_MISSING);
		return required ? -1 : 0;
	}
	if (m->type != SX_JSON_STRING)
		return fail(d, bad, f, SX_D_WRONG_TYPE), -1;
	long n = sx_json_unescape(d->buf + m->val_off, m->val_len, dst, max);
	if (n == -1)
		return fail(d, bad, f, SX_D_TOO_LONG), -1;
	if (n < 0)
		return fail(d, bad, f, SX_D_NUL), -1;
	if (n == 0)
		return fail(d, bad, f, SX_D_EMPTY), -1;
	*len = (size_t)n;
	return 1;
}

/* One of words[] (exact); default used when absent and def >= 0. */
static int word_field(struct dctx *d, enum key_id k, enum sx_field f, enum sx_code bad,
		      const char *const *words, int nwords, int def, uint8_t *out)
{
	char tmp[24];
	size_t len = 0;
	int r = str_field(d, k, f, bad, def < 0, tmp, sizeof(tmp) - 1, &len);
	if (r < 0) {
		/* a word too long is simply not one of the words */
		if (d->out->u.rej.detail == SX_D_TOO_LONG)
			d->out->u.rej.detail = SX_D_UNKNOWN_VALUE;
		return -1;
	}
	if (r == 0) {
		*out = (uint8_t)def;
		return 1;
	}
	tmp[len] = 0;
	for (int i = 0; i < nwords; i++) {
		if (strcmp(tmp, words[i]) == 0) {
			*out = (uint8_t)i;
			return 1;
		}
	}
	return fail(d, bad, f, SX_D_UNKNOWN_VALUE), -1;
}

static int market_field(struct dctx *d, uint16_t *out)
{
	char tmp[SX_NAME_MAX + 1];
	size_t len = 0;
	int r = str_field(d, K_MARKET, SX_F_MARKET, SX_UNKNOWN_MARKET, true, tmp, sizeof(tmp), &len);
	if (r < 0) {
		if (d->out->u.rej.detail == SX_D_TOO_LONG)
			d->out->u.rej.detail = SX_D_UNKNOWN_VALUE;
		return -1;
	}
	int i = sx_config_find_market(d->cfg, tmp, len);
	if (i < 0)
		return fail(d, SX_UNKNOWN_MARKET, SX_F_MARKET, SX_D_UNKNOWN_VALUE), -1;
	*out = (uint16_t)i;
	return 1;
}

static int asset_field(struct dctx *d, uint16_t *out)
{
	char tmp[SX_NAME_MAX + 1];
	size_t len = 0;
	int r = str_field(d, K_ASSET, SX_F_ASSET, SX_UNKNOWN_ASSET, true, tmp, sizeof(tmp), &len);
	if (r < 0) {
		if (d->out->u.rej.detail == SX_D_TOO_LONG)
			d->out->u.rej.detail = SX_D_UNKNOWN_VALUE;
		return -1;
	}
	int i = sx_config_find_asset(d->cfg, tmp, len);
	if (i < 0)
		return fail(d, SX_UNKNOWN_ASSET, SX_F_ASSET, SX_D_UNKNOWN_VALUE), -1;
	*out = (uint16_t)i;
	return 1;
}

enum sign_rule { SIGN_POSITIVE, SIGN_NONNEG };

/* 10^e mod m, for m >= 1 (e may be large: square and multiply). */
static uint64_t pow10_mod(uint64_t e, uint64_t m)
{
	unsigned __int128 r = 1 % m, b = 10 % m;
	for (; e; e >>= 1) {
		if (e & 1)
			r = r * b % m;
		b = b * b % m;
	}
	return (uint64_t)r;
}

/*
 * For a number too long to parse exactly (grammar already checked): is it
 * not a whole number of step? Either a nonzero digit is finer than the
 * step's decimals, or value x 10^dec (an integer then) is not divisible by
 * the step's mantissa, computed digit by digit modulo the mantissa. The spec
 * checks the step before the range, so such a number is INVALID_PRECISION.
 */
static bool long_not_multiple(const char *s, size_t n, struct sx_step step)
{
	uint64_t m = step.mant > 1 ? (uint64_t)step.mant : 1;
	size_t e = n, dot = n;
	for (size_t k = 0; k < n; k++) {
		if (s[k] == 'e' || s[k] == 'E') {
			e = k;
			break;
		}
		if (s[k] == '.')
			dot = k;
	}
	long long x = 0; /* the exponent, saturated */
	if (e < n) {
		size_t k = e + 1;
		bool neg = s[k] == '-';
		if (s[k] == '-' || s[k] == '+')
			k++;
		for (; k < n; k++)
			x = x > 1000000000LL ? x : x * 10 + (s[k] - '0');
		x = neg ? -x : x;
	}
	size_t start = s[0] == '-' ? 1 : 0;
	size_t int_end = dot < e ? dot : e;
	unsigned __int128 r = 0;
	for (size_t k = start; k < e; k++) {
		if (s[k] == '.' || s[k] == '0')
			continue;
		/* the digit's power of ten in value x 10^dec */
		long long pos = k < int_end ? (long long)(int_end - 1 - k) : -(long long)(k - dot);
		pos += x + step.dec;
		if (pos < 0) /* a nonzero digit finer than the step's decimals */
			return true;
		if (m > 1)
			r = (r + (unsigned __int128)(uint64_t)(s[k] - '0') * pow10_mod((uint64_t)pos, m)) % m;
	}
	return r != 0;
}

/*
 * A numeric field (JSON number or numeric string) as a count of step.
 * Syntax -> INVALID_NUMBER, sign -> sign_code, step -> INVALID_PRECISION,
 * range -> INVALID_NUMBER. Returns 1 / 0 (absent, rejected if required) / -1.
 */
static int num_field(struct dctx *d, enum key_id k, enum sx_field f, bool required,
		     struct sx_step step, enum sign_rule sign, enum sx_code sign_code,
		     int64_t *out)
{
	const struct sx_json_member *m = get(d, k);
	if (!m) {
		if (required)
			fail(d, SX_MISSING_FIELD, f, SX_D_MISSING);
		return required ? -1 : 0;
	}
	const char *txt;
	size_t n;
	char tmp[512];
	if (m->type == SX_JSON_NUMBER) {
		txt = d->buf + m->val_off;
		n = m->val_len;
	} else if (m->type == SX_JSON_STRING && !m->val_esc) {
		/* no escapes: the raw content is the text, of any length (as for a
		 * JSON number) */
		txt = d->buf + m->val_off;
		n = m->val_len;
	} else if (m->type == SX_JSON_STRING) {
		long r = sx_json_unescape(d->buf + m->val_off, m->val_len, tmp, sizeof(tmp));
		if (r < 0)
			return fail(d, SX_INVALID_NUMBER, f, SX_D_SYNTAX), -1;
		txt = tmp;
		n = (size_t)r;
	} else {
		return fail(d, SX_INVALID_NUMBER, f, SX_D_WRONG_TYPE), -1;
	}
	struct sx_dec v;
	enum sx_dec_status st = sx_dec_parse(txt, n, &v);
	if (st == SX_DEC_SYNTAX)
		return fail(d, SX_INVALID_NUMBER, f, SX_D_SYNTAX), -1;
	bool neg = st == SX_DEC_OVERFLOW ? (n > 0 && txt[0] == '-') : v.neg;
	bool zero = st == SX_DEC_OK && v.mant == 0;
	if (neg)
		return fail(d, sign_code, f, SX_D_NEGATIVE), -1;
	if (zero && sign == SIGN_POSITIVE)
		return fail(d, sign_code, f, SX_D_NOT_POSITIVE), -1;
	if (st == SX_DEC_OVERFLOW) /* step before range: too many digits may be too fine */
		return fail(d, long_not_multiple(txt, n, step) ? SX_INVALID_PRECISION : SX_INVALID_NUMBER,
			    f, long_not_multiple(txt, n, step) ? SX_D_NOT_MULTIPLE : SX_D_OVERFLOW), -1;
	int64_t steps;
	st = sx_dec_to_steps(&v, step, &steps);
	if (st == SX_DEC_NOT_MULTIPLE)
		return fail(d, SX_INVALID_PRECISION, f, SX_D_NOT_MULTIPLE), -1;
	if (st != SX_DEC_OK)
		return fail(d, SX_INVALID_NUMBER, f, SX_D_OVERFLOW), -1;
	*out = steps;
	return 1;
}

static const struct sx_step STEP_ONE = {1, 0};

/* qty in lots; its range: the quantity in base minor units fits 64 bits */
static int qty_field(struct dctx *d, const struct sx_market_cfg *mk, bool required,
		     enum sign_rule sign, int64_t *out)
{
	int r = num_field(d, K_QTY, SX_F_QTY, required, mk->lot, sign, SX_INVALID_QUANTITY, out);
	int64_t units;
	if (r > 0 && __builtin_mul_overflow(*out, mk->lot_units, &units))
		return fail(d, SX_INVALID_NUMBER, SX_F_QTY, SX_D_OVERFLOW), -1;
	return r;
}

/* price in ticks; its range: one lot's notional fits 64 bits */
static int price_field(struct dctx *d, const struct sx_market_cfg *mk, bool required,
		       int64_t *out)
{
	int r = num_field(d, K_PRICE, SX_F_PRICE, required, mk->tick, SIGN_POSITIVE,
			  SX_INVALID_PRICE, out);
	int64_t units;
	if (r > 0 && __builtin_mul_overflow(*out, mk->unit, &units))
		return fail(d, SX_INVALID_NUMBER, SX_F_PRICE, SX_D_OVERFLOW), -1;
	return r;
}

/* orderId: a positive integer in a string or number; anything else names no order. */
static int order_ref(struct dctx *d, struct sx_order_ref *ref)
{
	memset(ref, 0, sizeof(*ref));
	const struct sx_json_member *m = get(d, K_ORDERID);
	if (m) {
		if (m->type != SX_JSON_STRING && m->type != SX_JSON_NUMBER)
			return fail(d, SX_INVALID_COMMAND, SX_F_ORDERID, SX_D_WRONG_TYPE), -1;
		const char *s = d->buf + m->val_off;
		size_t n = m->val_len;
		char tmp[24];
		if (m->type == SX_JSON_STRING && m->val_esc) { /* "\u0031" is "1" */
			long r = sx_json_unescape(s, n, tmp, sizeof(tmp));
			s = tmp;
			n = r < 0 ? 0 : (size_t)r;
		}
		uint64_t v = 0;
		bool ok = n > 0 && n <= 20 && s[0] != '0';
		for (size_t i = 0; ok && i < n; i++) {
			if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - 9) / 10)
				ok = false;
			else
				v = v * 10 + (uint64_t)(s[i] - '0');
		}
		if (!ok)
			return fail(d, SX_UNKNOWN_ORDER, SX_F_ORDERID, SX_D_UNKNOWN_VALUE), -1;
		ref->order_id = v;
		return 1;
	}
	size_t len = 0;
	int r = str_field(d, K_COID, SX_F_CLIENTORDERID, SX_INVALID_COMMAND, false, ref->coid,
			  SX_COID_MAX, &len);
	if (r < 0)
		return -1;
	if (r == 0)
		return fail(d, SX_MISSING_FIELD, SX_F_ORDERID, SX_D_MISSING), -1;
	ref->coid_len = (uint8_t)len;
	return 1;
}

static bool user_field(struct dctx *d)
{
	size_t len = 0;
	if (str_field(d, K_USERID, SX_F_USERID, SX_INVALID_COMMAND, true, d->out->user,
		      SX_USERID_MAX, &len) < 0)
		return false;
	d->out->user_len = (uint8_t)len;
	d->out->user_hash = sx_user_hash(d->out->user, len);
	return true;
}

static const char *const w_side[] = {"buy", "sell"};
static const char *const w_otype[] = {"limit", "market"};
static const char *const w_tif[] = {"gtc", "ioc", "fok", "post_only"};
static const char *const w_stp[] = {"cancel_maker", "cancel_taker"};

static bool dec_funds(struct dctx *d)
{
	struct sx_cmd_funds *c = &d->out->u.funds;
	if (!user_field(d) || asset_field(d, &c->asset) < 0)
		return false;
	struct sx_step unit = sx_step_unit(d->cfg->assets[c->asset].decimals);
	return num_field(d, K_AMOUNT, SX_F_AMOUNT, true, unit, SIGN_POSITIVE, SX_INVALID_AMOUNT,
			 &c->amount) > 0;
}

static bool dec_place(struct dctx *d)
{
	struct sx_cmd_place *c = &d->out->u.place;
	if (!user_field(d) || market_field(d, &c->market) < 0)
		return false;
	const struct sx_market_cfg *mk = &d->cfg->markets[c->market];
	if (word_field(d, K_SIDE, SX_F_SIDE, SX_INVALID_SIDE, w_side, 2, -1, &c->side) < 0 ||
	    word_field(d, K_ORDERTYPE, SX_F_ORDERTYPE, SX_INVALID_ORDER_TYPE, w_otype, 2, -1,
		       &c->otype) < 0)
		return false;
	if (qty_field(d, mk, true, SIGN_POSITIVE, &c->qty) < 0)
		return false;
	if (c->otype == SX_LIMIT && price_field(d, mk, true, &c->price) < 0)
		return false;
	/* tif applies to limit orders; a market order ignores it, like price */
	if (c->otype == SX_LIMIT &&
	    word_field(d, K_TIF, SX_F_TIF, SX_INVALID_TIF, w_tif, 4, SX_GTC, &c->tif) < 0)
		return false;
	if (c->otype == SX_MARKET) {
		int64_t slip = 0;
		int r = num_field(d, K_SLIPPAGE, SX_F_SLIPPAGE, false, STEP_ONE, SIGN_NONNEG,
				  SX_INVALID_NUMBER, &slip);
		if (r < 0)
			return false;
		if (r > 0 && slip > SX_BPS_MAX)
			return fail(d, SX_INVALID_NUMBER, SX_F_SLIPPAGE, SX_D_OUT_OF_RANGE);
		c->has_slippage = r > 0;
		c->slippage_bps = (uint32_t)slip;
	}
	if (word_field(d, K_STP, SX_F_STP, SX_INVALID_COMMAND, w_stp, 2, SX_STP_CANCEL_MAKER,
		       &c->stp) < 0)
		return false;
	size_t len = 0;
	int r = str_field(d, K_COID, SX_F_CLIENTORDERID, SX_INVALID_COMMAND, false, c->coid,
			  SX_COID_MAX, &len);
	if (r < 0)
		return false;
	c->coid_len = (uint8_t)len;
	return true;
}

static bool dec_order(struct dctx *d, bool amend)
{
	struct sx_cmd_order *c = &d->out->u.order;
	if (!user_field(d) || market_field(d, &c->market) < 0 || order_ref(d, &c->ref) < 0)
		return false;
	if (!amend)
		return true;
	const struct sx_market_cfg *mk = &d->cfg->markets[c->market];
	int rq = qty_field(d, mk, false, SIGN_NONNEG, &c->qty);
	if (rq < 0)
		return false;
	int rp = price_field(d, mk, false, &c->price);
	if (rp < 0)
		return false;
	if (rq == 0 && rp == 0)
		return fail(d, SX_MISSING_FIELD, SX_F_QTY, SX_D_MISSING);
	c->has_qty = rq > 0;
	c->has_price = rp > 0;
	return true;
}

static bool dec_depth(struct dctx *d)
{
	struct sx_cmd_depth *c = &d->out->u.depth;
	if (market_field(d, &c->market) < 0)
		return false;
	int64_t levels = SX_DEPTH_LEVELS_DEFAULT;
	if (num_field(d, K_LEVELS, SX_F_LEVELS, false, STEP_ONE, SIGN_POSITIVE, SX_INVALID_NUMBER,
		      &levels) < 0)
		return false;
	if (levels > SX_DEPTH_LEVELS_MAX)
		return fail(d, SX_INVALID_NUMBER, SX_F_LEVELS, SX_D_OUT_OF_RANGE);
	c->levels = (uint32_t)levels;
	return true;
}

static bool dec_quote(struct dctx *d)
{
	struct sx_cmd_quote *c = &d->out->u.quote;
	if (market_field(d, &c->market) < 0 ||
	    word_field(d, K_SIDE, SX_F_SIDE, SX_INVALID_SIDE, w_side, 2, -1, &c->side) < 0)
		return false;
	return qty_field(d, &d->cfg->markets[c->market], true, SIGN_POSITIVE, &c->qty) > 0;
}

/* The key's index, or -1 for a key sequex does not know (ignored). */
static int key_lookup(const char *buf, const struct sx_json_member *m)
{
	char tmp[24];
	const char *k = buf + m->key_off;
	size_t n = m->key_len;
	if (m->key_esc) {
		long r = sx_json_unescape(k, n, tmp, sizeof(tmp));
		if (r < 0)
			return -1;
		k = tmp;
		n = (size_t)r;
	}
	for (int i = 0; i < K_COUNT; i++)
		if (strlen(key_names[i]) == n && memcmp(key_names[i], k, n) == 0)
			return i;
	return -1;
}

static const char *const type_words[] = {
	[SX_CMD_DEPOSIT] = "DEPOSIT",
	[SX_CMD_WITHDRAW] = "WITHDRAW",
	[SX_CMD_PLACE_ORDER] = "PLACE_ORDER",
	[SX_CMD_CANCEL_ORDER] = "CANCEL_ORDER",
	[SX_CMD_AMEND_ORDER] = "AMEND_ORDER",
	[SX_CMD_CHECK_BALANCE] = "CHECK_BALANCE",
	[SX_CMD_CHECK_OPEN_ORDERS] = "CHECK_OPEN_ORDERS",
	[SX_CMD_GET_ORDER] = "GET_ORDER",
	[SX_CMD_GET_DEPTH] = "GET_DEPTH",
	[SX_CMD_QUOTE] = "QUOTE",
};

void sx_codec_decode(const struct sx_config *cfg, const char *buf, size_t len,
		     struct sx_cmd *out)
{
	memset(out, 0, sizeof(*out));
	struct dctx d = {.cfg = cfg, .buf = buf, .out = out, .type = SX_CMD_REJECTED};
	struct sx_json_member mem[MAX_MEMBERS];
	size_t n = 0;
	enum sx_json_type top = SX_JSON_NULL;
	enum sx_json_status js = sx_json_scan(buf, len, SX_JSON_DEPTH_MAX, mem, MAX_MEMBERS, &n, &top);
	switch (js) {
	case SX_JSON_OK: break;
	case SX_JSON_ETOOBIG: fail(&d, SX_INVALID_COMMAND, SX_F_NONE, SX_D_TOO_LARGE); return;
	case SX_JSON_EUTF8: fail(&d, SX_INVALID_COMMAND, SX_F_NONE, SX_D_BAD_UTF8); return;
	case SX_JSON_EDEPTH: fail(&d, SX_INVALID_COMMAND, SX_F_NONE, SX_D_TOO_DEEP); return;
	case SX_JSON_EMEMBERS:
		fail(&d, SX_INVALID_COMMAND, SX_F_NONE, SX_D_TOO_MANY_FIELDS);
		return;
	default: fail(&d, SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_JSON); return;
	}
	if (top != SX_JSON_OBJECT) {
		fail(&d, SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_OBJECT);
		return;
	}
	bool dup = false;
	for (size_t i = 0; i < n; i++) {
		int k = key_lookup(buf, &mem[i]);
		if (k < 0)
			continue;
		if (d.key[k])
			dup = true;
		else
			d.key[k] = &mem[i];
	}
	/* the engine's clock is the latest command's ts, accepted or rejected:
	 * take a valid ts before anything else can reject the command */
	struct dctx probe = d;
	struct sx_cmd scratch;
	probe.out = &scratch;
	int64_t ts = 0;
	int tsr = num_field(&probe, K_TS, SX_F_TS, false, STEP_ONE, SIGN_NONNEG, SX_INVALID_NUMBER, &ts);
	if (tsr > 0) {
		out->ts = (uint64_t)ts;
		out->has_ts = 1;
	}
	if (dup) {
		fail(&d, SX_INVALID_COMMAND, SX_F_NONE, SX_D_DUPLICATE_KEY);
		return;
	}
	/* reqId first, so that every later rejection can be answered */
	size_t rlen = 0;
	if (str_field(&d, K_REQID, SX_F_REQID, SX_INVALID_COMMAND, false, out->reqid,
		      SX_REQID_MAX, &rlen) < 0) {
		memset(out->reqid, 0, sizeof(out->reqid));
		return;
	}
	out->reqid_len = (uint8_t)rlen;
	/* type */
	const struct sx_json_member *tm = get(&d, K_TYPE);
	if (!tm) {
		fail(&d, SX_MISSING_FIELD, SX_F_TYPE, SX_D_MISSING);
		return;
	}
	if (tm->type != SX_JSON_STRING) {
		fail(&d, SX_INVALID_COMMAND, SX_F_TYPE, SX_D_WRONG_TYPE);
		return;
	}
	for (unsigned t = 1; t < SX_ARRAY_LEN(type_words); t++) {
		if (sx_json_str_eq(buf + tm->val_off, tm->val_len, tm->val_esc, type_words[t])) {
			d.type = (uint8_t)t;
			break;
		}
	}
	if (d.type == SX_CMD_REJECTED) {
		fail(&d, SX_UNKNOWN_TYPE, SX_F_TYPE, SX_D_UNKNOWN_VALUE);
		return;
	}
	/* ts (optional): its error takes its place in the order */
	if (tsr < 0 && num_field(&d, K_TS, SX_F_TS, false, STEP_ONE, SIGN_NONNEG,
				 SX_INVALID_NUMBER, &ts) < 0)
		return;
	out->type = d.type;
	bool ok;
	switch (d.type) {
	case SX_CMD_DEPOSIT:
	case SX_CMD_WITHDRAW: ok = dec_funds(&d); break;
	case SX_CMD_PLACE_ORDER: ok = dec_place(&d); break;
	case SX_CMD_CANCEL_ORDER:
	case SX_CMD_GET_ORDER: ok = dec_order(&d, false); break;
	case SX_CMD_AMEND_ORDER: ok = dec_order(&d, true); break;
	case SX_CMD_CHECK_BALANCE:
	case SX_CMD_CHECK_OPEN_ORDERS: ok = user_field(&d); break;
	case SX_CMD_GET_DEPTH: ok = dec_depth(&d); break;
	case SX_CMD_QUOTE: ok = dec_quote(&d); break;
	default: ok = fail(&d, SX_UNKNOWN_TYPE, SX_F_TYPE, SX_D_UNKNOWN_VALUE); break;
	}
	(void)ok;
}

/* ------------------------------------------------------------------ */
/* encoding                                                            */

struct w {
	char *buf;
	size_t cap, len;
};

static void put(struct w *w, const char *s, size_t n)
{
	if (w->len + n <= w->cap)
		memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void puts_(struct w *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_quoted(struct w *w, const char *s, size_t n)
{
	size_t room = w->len <= w->cap ? w->cap - w->len : 0;
	w->len += sx_json_quote(s, n, w->buf ? w->buf + (w->len <= w->cap ? w->len : 0) : NULL,
				room);
}

static void put_qs(struct w *w, const char *s)
{
	put_quoted(w, s, strlen(s));
}

static void put_u64(struct w *w, uint64_t v)
{
	char tmp[24];
	int i = 24;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(w, tmp + i, (size_t)(24 - i));
}

/* "12345" with quotes: ids and ts are strings in output */
static void put_u64s(struct w *w, uint64_t v)
{
	put(w, "\"", 1);
	put_u64(w, v);
	put(w, "\"", 1);
}

static void put_dec128(struct w *w, __int128 v, uint8_t dec)
{
	char tmp[SX_DEC_FMT_MAX + 1];
	bool neg = v < 0;
	unsigned __int128 mag = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
	size_t n = sx_dec_format128(mag, neg, dec, tmp);
	put(w, "\"", 1);
	put(w, tmp, n);
	put(w, "\"", 1);
}

static void put_amount(struct w *w, const struct sx_config *cfg, uint16_t asset, int64_t v)
{
	put_dec128(w, v, cfg->assets[asset].decimals);
}

static void put_price(struct w *w, const struct sx_market_cfg *m, int64_t ticks)
{
	put_dec128(w, (__int128)ticks * m->tick.mant, m->tick.dec);
}

static void put_qty(struct w *w, const struct sx_market_cfg *m, int64_t lots)
{
	put_dec128(w, (__int128)lots * m->lot.mant, m->lot.dec);
}

static void put_key(struct w *w, const char *k)
{
	put(w, ",\"", 2);
	puts_(w, k);
	put(w, "\":", 2);
}

static void put_name(struct w *w, struct sx_names names, uint32_t acct)
{
	size_t len = 0;
	const char *n = names.name ? names.name(names.ctx, acct, &len) : NULL;
	if (n)
		put_quoted(w, n, len);
	else
		puts_(w, "null");
}

/* "userId":"..." or "account":"fees" */
static void put_owner(struct w *w, struct sx_names names, uint32_t acct)
{
	const char *sys = acct < SX_ACCT_FIRST_USER
				  ? (acct == SX_ACCT_HOUSE ? "house"
				     : acct == SX_ACCT_INSURANCE ? "insurance" : "fees")
				  : NULL;
	if (sys) {
		put_key(w, "account");
		put_qs(w, sys);
	} else {
		put_key(w, "userId");
		put_name(w, names, acct);
	}
}

static void put_head_event(struct w *w, const char *ev, const struct sx_out *r)
{
	puts_(w, "{\"ev\":");
	put_qs(w, ev);
	put_key(w, "seq");
	put_u64(w, r->seq);
	put_key(w, "ts");
	put_u64s(w, r->ts);
}

static void put_coid(struct w *w, const struct sx_order_view *o)
{
	put_key(w, "clientOrderId");
	if (o->coid_len)
		put_quoted(w, o->coid, o->coid_len);
	else
		puts_(w, "null");
}

/* The order's full description (events, CHECK_OPEN_ORDERS rows, GET_ORDER),
 * starting with its first key (no leading comma). */
static void put_order_fields(struct w *w, const struct sx_config *cfg, struct sx_names names,
			     const struct sx_order_view *o)
{
	const struct sx_market_cfg *m = &cfg->markets[o->market];
	puts_(w, "\"orderId\":");
	put_u64s(w, o->id);
	put_coid(w, o);
	put_key(w, "userId");
	put_name(w, names, o->user);
	put_key(w, "market");
	put_qs(w, m->name);
	put_key(w, "side");
	put_qs(w, sx_side_name((enum sx_side)o->side));
	put_key(w, "orderType");
	put_qs(w, sx_order_type_name((enum sx_order_type)o->otype));
	put_key(w, "tif");
	if (o->otype == SX_MARKET)
		puts_(w, "null");
	else
		put_qs(w, sx_tif_name((enum sx_tif)o->tif));
	put_key(w, "price");
	if (o->otype == SX_MARKET)
		puts_(w, "null");
	else
		put_price(w, m, o->price);
	put_key(w, "qty");
	put_qty(w, m, o->qty);
	put_key(w, "filledQty");
	put_qty(w, m, o->filled);
	put_key(w, "status");
	put_qs(w, sx_status_name((enum sx_status)o->status));
}

static void encode_event(struct w *w, const struct sx_config *cfg, struct sx_names names,
			 const struct sx_out *r)
{
	switch (r->kind) {
	case SX_OUT_EV_ORDER:
		put_head_event(w, "order", r);
		put(w, ",", 1);
		put_order_fields(w, cfg, names, &r->u.order);
		put(w, "}", 1);
		break;
	case SX_OUT_EV_TRADE: {
		const struct sx_trade_view *t = &r->u.trade;
		const struct sx_market_cfg *m = &cfg->markets[t->market];
		put_head_event(w, "trade", r);
		put_key(w, "tradeId");
		put_u64s(w, t->trade_id);
		put_key(w, "market");
		put_qs(w, m->name);
		put_key(w, "price");
		put_price(w, m, t->price);
		put_key(w, "qty");
		put_qty(w, m, t->qty);
		put_key(w, "takerSide");
		put_qs(w, sx_side_name((enum sx_side)t->taker_side));
		put_key(w, "makerOrderId");
		put_u64s(w, t->maker_order);
		put_key(w, "takerOrderId");
		put_u64s(w, t->taker_order);
		put_key(w, "makerUserId");
		put_name(w, names, t->maker_user);
		put_key(w, "takerUserId");
		put_name(w, names, t->taker_user);
		put_key(w, "makerFee");
		put_amount(w, cfg, m->quote, t->maker_fee);
		put_key(w, "takerFee");
		put_amount(w, cfg, m->quote, t->taker_fee);
		put(w, "}", 1);
		break;
	}
	case SX_OUT_EV_BALANCE: {
		const struct sx_balance_view *b = &r->u.balance;
		put_head_event(w, "balance", r);
		put_owner(w, names, b->account);
		put_key(w, "asset");
		put_qs(w, cfg->assets[b->asset].name);
		put_key(w, "available");
		put_amount(w, cfg, b->asset, b->available);
		put_key(w, "locked");
		put_amount(w, cfg, b->asset, b->locked);
		put(w, "}", 1);
		break;
	}
	default:
		break;
	}
}

static bool is_event(uint8_t kind)
{
	return kind == SX_OUT_EV_ORDER || kind == SX_OUT_EV_TRADE || kind == SX_OUT_EV_BALANCE;
}

static const char *const field_names[SX_F_COUNT] = {
	[SX_F_NONE] = "",          [SX_F_TYPE] = "type",       [SX_F_REQID] = "reqId",
	[SX_F_TS] = "ts",          [SX_F_USERID] = "userId",   [SX_F_ASSET] = "asset",
	[SX_F_AMOUNT] = "amount",  [SX_F_MARKET] = "market",   [SX_F_SIDE] = "side",
	[SX_F_ORDERTYPE] = "orderType", [SX_F_QTY] = "qty",   [SX_F_PRICE] = "price",
	[SX_F_TIF] = "tif",        [SX_F_SLIPPAGE] = "slippage", [SX_F_STP] = "stp",
	[SX_F_CLIENTORDERID] = "clientOrderId", [SX_F_ORDERID] = "orderId",
	[SX_F_LEVELS] = "levels",
};

static const char *const detail_text[SX_D_COUNT] = {
	[SX_D_NONE] = "",
	[SX_D_NOT_JSON] = "is not valid JSON",
	[SX_D_BAD_UTF8] = "is not valid UTF-8",
	[SX_D_TOO_DEEP] = "is nested deeper than 8 levels",
	[SX_D_TOO_LARGE] = "is larger than 64 KiB",
	[SX_D_NOT_OBJECT] = "is not a JSON object",
	[SX_D_TOO_MANY_FIELDS] = "has more than 64 fields",
	[SX_D_DUPLICATE_KEY] = "has a field twice",
	[SX_D_MISSING] = "missing",
	[SX_D_WRONG_TYPE] = "wrong JSON type",
	[SX_D_EMPTY] = "empty",
	[SX_D_TOO_LONG] = "too long",
	[SX_D_NUL] = "contains U+0000",
	[SX_D_UNKNOWN_VALUE] = "unknown value",
	[SX_D_SYNTAX] = "not a number",
	[SX_D_NOT_POSITIVE] = "must be greater than zero",
	[SX_D_NEGATIVE] = "must not be negative",
	[SX_D_NOT_MULTIPLE] = "not a multiple of its step",
	[SX_D_OVERFLOW] = "too large",
	[SX_D_OUT_OF_RANGE] = "out of range",
	[SX_D_NOT_ALLOWED] = "not allowed here",
	[SX_D_SUPPLY_LIMIT] = "would take the asset's total supply past 64 bits",
	[SX_D_DEMO_SUPPLY] = "a new user's demo credit would take the asset's total supply past 64 bits",
};

static void put_error(struct w *w, const struct sx_config *cfg, const struct sx_reply_view *rp)
{
	char msg[256];
	struct w m = {msg, sizeof(msg), 0};
	enum sx_code code = (enum sx_code)rp->code;
	switch (code) {
	case SX_INSUFFICIENT_BALANCE:
		if (rp->asset < cfg->nassets) {
			puts_(&m, "available ");
			char tmp[SX_DEC_FMT_MAX + 1];
			uint8_t dec = cfg->assets[rp->asset].decimals;
			put(&m, tmp, sx_dec_format(rp->a, dec, tmp));
			puts_(&m, " ");
			puts_(&m, cfg->assets[rp->asset].name);
			puts_(&m, ", needs ");
			put(&m, tmp, sx_dec_format(rp->b, dec, tmp));
		}
		break;
	case SX_UNKNOWN_ORDER: puts_(&m, "no such open order of this user in this market"); break;
	case SX_DUPLICATE_CLIENT_ORDER_ID:
		puts_(&m, "clientOrderId is already used by an open order");
		break;
	case SX_WOULD_CROSS: puts_(&m, "post-only order would trade"); break;
	case SX_OVERLOADED: puts_(&m, "engine capacity reached"); break;
	default: break;
	}
	if (m.len == 0) {
		const char *f = rp->field < SX_F_COUNT ? field_names[rp->field] : "";
		const char *t = rp->detail < SX_D_COUNT ? detail_text[rp->detail] : "";
		if (*f) {
			puts_(&m, f);
			if (*t)
				puts_(&m, ": ");
		} else if (rp->detail <= SX_D_DUPLICATE_KEY && *t) {
			puts_(&m, "command ");
		}
		puts_(&m, t);
		if (m.len == 0)
			puts_(&m, sx_code_name(code));
	}
	size_t mlen = m.len < sizeof(msg) ? m.len : sizeof(msg);
	put_key(w, "error");
	puts_(w, "{\"code\":");
	put_qs(w, sx_code_name(code));
	puts_(w, ",\"message\":");
	put_quoted(w, msg, mlen);
	put(w, "}", 1);
}

static void encode_reply(struct w *w, const struct sx_config *cfg, const struct sx_out *recs,
			 size_t n, struct sx_names names)
{
	if (n == 0 || recs[n - 1].kind != SX_OUT_REPLY)
		return;
	const struct sx_out *r = &recs[n - 1];
	const struct sx_reply_view *rp = &r->u.reply;
	put(w, "{", 1);
	if (rp->reqid_len) {
		puts_(w, "\"reqId\":");
		put_quoted(w, rp->reqid, rp->reqid_len);
		put(w, ",", 1);
	}
	puts_(w, rp->code == SX_OK ? "\"ok\":true" : "\"ok\":false");
	put_key(w, "seq");
	put_u64(w, r->seq);
	put_key(w, "ts");
	put_u64s(w, r->ts);
	if (rp->code != SX_OK) {
		put_error(w, cfg, rp);
		put(w, "}", 1);
		return;
	}
	/* the order an order command is about: GET_ORDER's item, else the
	 * last order event of that id (the taker's final state) */
	const struct sx_order_view *ord = NULL;
	for (size_t i = n; i-- > 0;) {
		if (recs[i].kind == SX_OUT_IT_ORDER ||
		    (recs[i].kind == SX_OUT_EV_ORDER && recs[i].u.order.id == (uint64_t)rp->a)) {
			ord = &recs[i].u.order;
			break;
		}
	}
	switch (rp->cmd_type) {
	case SX_CMD_DEPOSIT:
	case SX_CMD_WITHDRAW:
		put_key(w, "asset");
		put_qs(w, cfg->assets[rp->asset].name);
		put_key(w, "available");
		put_amount(w, cfg, rp->asset, rp->a);
		put_key(w, "locked");
		put_amount(w, cfg, rp->asset, rp->b);
		break;
	case SX_CMD_PLACE_ORDER:
	case SX_CMD_CANCEL_ORDER:
	case SX_CMD_AMEND_ORDER:
	case SX_CMD_GET_ORDER: {
		if (!ord)
			break;
		const struct sx_market_cfg *m = &cfg->markets[ord->market];
		if (rp->cmd_type == SX_CMD_GET_ORDER) {
			put(w, ",", 1);
			put_order_fields(w, cfg, names, ord);
		} else {
			put_key(w, "orderId");
			put_u64s(w, ord->id);
			put_coid(w, ord);
			put_key(w, "status");
			put_qs(w, sx_status_name((enum sx_status)ord->status));
			put_key(w, "filledQty");
			put_qty(w, m, ord->filled);
		}
		put_key(w, "remainingQty");
		put_qty(w, m, ord->remaining);
		put_key(w, "fills");
		put(w, "[", 1);
		bool first = true;
		for (size_t i = 0; i < n; i++) {
			if (recs[i].kind != SX_OUT_EV_TRADE)
				continue;
			const struct sx_trade_view *t = &recs[i].u.trade;
			puts_(w, first ? "{\"tradeId\":" : ",{\"tradeId\":");
			first = false;
			put_u64s(w, t->trade_id);
			put_key(w, "price");
			put_price(w, m, t->price);
			put_key(w, "qty");
			put_qty(w, m, t->qty);
			put_key(w, "makerOrderId");
			put_u64s(w, t->maker_order);
			put(w, "}", 1);
		}
		put(w, "]", 1);
		break;
	}
	case SX_CMD_CHECK_BALANCE: {
		put_key(w, "balances");
		put(w, "{", 1);
		bool first = true;
		for (size_t i = 0; i < n; i++) {
			if (recs[i].kind != SX_OUT_IT_BALANCE)
				continue;
			const struct sx_balance_view *b = &recs[i].u.balance;
			if (!first)
				put(w, ",", 1);
			first = false;
			put_qs(w, cfg->assets[b->asset].name);
			puts_(w, ":{\"available\":");
			put_amount(w, cfg, b->asset, b->available);
			puts_(w, ",\"locked\":");
			put_amount(w, cfg, b->asset, b->locked);
			put(w, "}", 1);
		}
		put(w, "}", 1);
		break;
	}
	case SX_CMD_CHECK_OPEN_ORDERS: {
		put_key(w, "orders");
		put(w, "[", 1);
		bool first = true;
		for (size_t i = 0; i < n; i++) {
			if (recs[i].kind != SX_OUT_IT_ORDER)
				continue;
			const struct sx_order_view *o = &recs[i].u.order;
			put(w, first ? "{" : ",{", first ? 1 : 2);
			first = false;
			put_order_fields(w, cfg, names, o);
			put_key(w, "remainingQty");
			put_qty(w, &cfg->markets[o->market], o->remaining);
			put(w, "}", 1);
		}
		put(w, "]", 1);
		break;
	}
	case SX_CMD_GET_DEPTH: {
		const struct sx_market_cfg *m = &cfg->markets[rp->market];
		put_key(w, "market");
		put_qs(w, m->name);
		for (int s = SX_BUY; s <= SX_SELL; s++) {
			put_key(w, s == SX_BUY ? "bids" : "asks");
			put(w, "[", 1);
			bool first = true;
			for (size_t i = 0; i < n; i++) {
				if (recs[i].kind != SX_OUT_IT_LEVEL || recs[i].u.level.side != s)
					continue;
				put(w, first ? "[" : ",[", first ? 1 : 2);
				first = false;
				put_price(w, m, recs[i].u.level.price);
				put(w, ",", 1);
				put_qty(w, m, recs[i].u.level.qty);
				put(w, "]", 1);
			}
			put(w, "]", 1);
		}
		break;
	}
	case SX_CMD_QUOTE: {
		const struct sx_market_cfg *m = &cfg->markets[rp->market];
		put_key(w, "market");
		put_qs(w, m->name);
		put_key(w, "side");
		put_qs(w, sx_side_name((enum sx_side)rp->side));
		put_key(w, "qty");
		put_qty(w, m, rp->a);
		put_key(w, "notional");
		put_amount(w, cfg, m->quote, rp->b);
		put_key(w, "averagePrice");
		if (rp->a == 0) {
			puts_(w, "null");
		} else {
			/* quote minor units per whole base unit: buys round up, sells down */
			unsigned __int128 num = (unsigned __int128)rp->b;
			for (uint8_t i = 0; i < cfg->assets[m->base].decimals; i++)
				num *= 10;
			unsigned __int128 den = (unsigned __int128)rp->a * (unsigned __int128)m->lot_units;
			unsigned __int128 avg = num / den;
			if (rp->side == SX_BUY && num % den)
				avg++;
			put_dec128(w, (__int128)avg, cfg->assets[m->quote].decimals);
		}
		put_key(w, "fee");
		put_amount(w, cfg, m->quote, rp->c);
		break;
	}
	default:
		break;
	}
	put(w, "}", 1);
}

size_t sx_codec_encode_reply(const struct sx_config *cfg, const struct sx_out *recs, size_t n,
			     struct sx_names names, char *buf, size_t cap)
{
	struct w w = {buf, buf ? cap : 0, 0};
	encode_reply(&w, cfg, recs, n, names);
	return w.len;
}

size_t sx_codec_encode_event(const struct sx_config *cfg, const struct sx_out *rec,
			     struct sx_names names, char *buf, size_t cap)
{
	if (!is_event(rec->kind))
		return 0;
	struct w w = {buf, buf ? cap : 0, 0};
	encode_event(&w, cfg, names, rec);
	return w.len;
}

size_t sx_codec_encode_command(const struct sx_config *cfg, const struct sx_out *recs,
			       size_t n, struct sx_names names, char *buf, size_t cap)
{
	struct w w = {buf, buf ? cap : 0, 0};
	encode_reply(&w, cfg, recs, n, names);
	put(&w, "\n", 1);
	for (size_t i = 0; i < n; i++) {
		if (!is_event(recs[i].kind))
			continue;
		encode_event(&w, cfg, names, &recs[i]);
		put(&w, "\n", 1);
	}
	return w.len;
}
