/*
 * config.c - the engine's configuration (spec/config.md,
 * docs/configuration.md): the embedded demo defaults and a strict INI
 * parser that refuses every invalid file with "NAME:LINE: reason".
 *
 * Invariants of a successfully parsed struct sx_config: 1 <= nassets <= 32,
 * 0 <= nmarkets <= 256 (a file may define assets only), names unique per
 * kind, every market's base and quote are valid, different asset indexes,
 * lot_units = lot x 10^base.decimals and unit = tick x lot x
 * 10^quote.decimals are exact whole numbers in 1..INT64_MAX, demo_asset is
 * a valid index and demo_balance >= 0.
 *
 * sx_config_parse never allocates, never reads outside buf[0..len) and stops
 * at the first error; all its state lives on the caller's stack. Threads:
 * run once at start-up; no shared state, safe from any thread.
 */
#include "sequex/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_LINE_MAX 4096        /* bytes of a line, without its newline */
#define CFG_FILE_MAX (1u << 20)  /* bytes of a whole file (1 MiB) */
#define CFG_POOL_MAX 100000000u  /* upper bound of max_orders & co. */
#define CFG_DECIMALS_MAX 18
#define CFG_SHOW 40              /* bytes of user text quoted in messages */

typedef unsigned __int128 u128;

/* ---- keys ---------------------------------------------------------- */

enum ekey { EK_DATA_DIR, EK_DEMO_BALANCE, EK_DEMO_ASSET, EK_MAX_ORDERS,
	    EK_MAX_POSITIONS, EK_MAX_ACCOUNTS, EK_COUNT };
enum akey { AK_DECIMALS, AK_COUNT };
enum mkey { MK_BASE, MK_QUOTE, MK_TICK, MK_LOT, MK_MAKER, MK_TAKER,
	    MK_SLIPPAGE, MK_COUNT };

static const char *const engine_keys[EK_COUNT] = {
	"data_dir", "demo_balance", "demo_asset", "max_orders",
	"max_positions", "max_accounts",
};
static const char *const asset_keys[AK_COUNT] = { "decimals" };
static const char *const market_keys[MK_COUNT] = {
	"base", "quote", "tick", "lot", "maker_fee_bps", "taker_fee_bps",
	"market_slippage_bps",
};

/* Sections of spec/config.md that arrive with their features. */
static const char *const later_sections[] = {
	"cpu", "gateway", "redis", "journal", "snapshot", "feed", "instrument",
};

/* ---- demo defaults (spec/config.md "Demo defaults") ---------------- */

static const struct {
	const char *name;
	uint8_t decimals;
} demo_assets[] = {
	{ "USDC", 6 }, { "SOL", 9 }, { "ETH", 9 }, { "BTC", 8 },
};

static const struct {
	const char *name;
	uint16_t base, quote;
	struct sx_step tick, lot;
} demo_markets[] = {
	{ "SOL_USDC", 1, 0, { 1, 2 }, { 1, 2 } }, /* tick 0.01, lot 0.01 */
	{ "ETH_USDC", 2, 0, { 1, 2 }, { 1, 4 } }, /* tick 0.01, lot 0.0001 */
	{ "BTC_USDC", 3, 0, { 1, 1 }, { 1, 5 } }, /* tick 0.1, lot 0.00001 */
};

#define DEMO_BALANCE_UNITS 5000000000 /* 5000 USDC in minor units */
#define DEFAULT_SLIPPAGE_BPS 500u
#define DEFAULT_POOL 1000000u

/* ---- parser state --------------------------------------------------- */

enum sect { S_NONE, S_ENGINE, S_ASSET, S_MARKET };

struct span {
	const char *p;
	size_t n;
};

struct mstate {
	char base[SX_NAME_MAX + 1], quote[SX_NAME_MAX + 1];
	uint32_t line;               /* of the section header */
	uint32_t key_line[MK_COUNT]; /* 0 = not set */
};

struct pstate {
	const char *name;
	char *err;
	size_t errcap;
	struct sx_config *c;
	enum sect sect;
	unsigned cur;       /* asset or market index of the current section */
	uint32_t engine_line;
	uint32_t ekey_line[EK_COUNT];
	bool replaced;      /* the file defines its own assets and markets */
	struct sx_dec demo_balance;
	char demo_asset[SX_NAME_MAX + 1];
	uint32_t asset_line[SX_MAX_ASSETS];
	uint32_t akey_line[SX_MAX_ASSETS][AK_COUNT];
	struct mstate m[SX_MAX_MARKETS];
};

/* ---- small helpers -------------------------------------------------- */

static int show_len(struct span s)
{
	return (int)(s.n > CFG_SHOW ? CFG_SHOW : s.n);
}

static const char *show_dots(struct span s)
{
	return s.n > CFG_SHOW ? "..." : "";
}

__attribute__((format(printf, 3, 4)))
static int fail(struct pstate *s, uint32_t line, const char *fmt, ...)
{
	if (s->err && s->errcap) {
		int k = snprintf(s->err, s->errcap, "%s:%u: ", s->name,
				 (unsigned)line);
		if (k >= 0 && (size_t)k < s->errcap) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(s->err + k, s->errcap - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t';
}

static struct span trim(const char *p, size_t n)
{
	while (n && is_ws(*p)) {
		p++;
		n--;
	}
	while (n && is_ws(p[n - 1]))
		n--;
	return (struct span){ p, n };
}

static bool span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static bool valid_name(struct span s)
{
	if (s.n < 1 || s.n > SX_NAME_MAX)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		char ch = s.p[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

static void copy_name(char dst[SX_NAME_MAX + 1], struct span s)
{
	memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
}

/* cand (NUL-terminated) equals s[0..n). */
static bool name_eq(const char *cand, const char *s, size_t n)
{
	return strlen(cand) == n && memcmp(cand, s, n) == 0;
}

/* Plain decimal digits, value in lo..hi (hi well below UINT64_MAX / 10). */
static int parse_uint(struct span v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t x = 0;
	if (v.n == 0)
		return -1;
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		if (x <= hi)
			x = x * 10 + (uint64_t)(v.p[i] - '0');
	}
	if (x < lo || x > hi)
		return -2;
	*out = x;
	return 0;
}

/* "0.01" for { 1, 2 }; buf holds at least 48 bytes. */
static const char *fmt_step(struct sx_step st, char *buf)
{
	char dig[24];
	size_t nd = 0, o = 0;
	uint64_t m = st.mant > 0 ? (uint64_t)st.mant : 0;
	do {
		dig[nd++] = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	while (nd <= st.dec)
		dig[nd++] = '0';
	while (nd) {
		if (nd == st.dec)
			buf[o++] = '.';
		buf[o++] = dig[--nd];
	}
	buf[o] = '\0';
	return buf;
}

/*
 * *out = mant x 10^e exactly. 0: whole number in 1..INT64_MAX,
 * 1: not a whole number (or zero), 2: above INT64_MAX.
 */
static int scale_exact(u128 mant, int e, int64_t *out)
{
	if (mant == 0)
		return 1;
	if (e >= 0) {
		for (int i = 0; i < e; i++) {
			if (mant > (u128)INT64_MAX)
				return 2;
			mant *= 10;
		}
	} else {
		u128 p = 1;
		if (e < -38)
			return 1;
		for (int i = 0; i < -e; i++)
			p *= 10;
		if (mant % p)
			return 1;
		mant /= p;
	}
	if (mant > (u128)INT64_MAX)
		return 2;
	*out = (int64_t)mant;
	return 0;
}

static bool step_ok(struct sx_step st)
{
	return st.mant >= 1 && st.dec <= CFG_DECIMALS_MAX;
}

/* lot_units = lot x 10^bd. Returns scale_exact's code. */
static int derive_lot(struct sx_market_cfg *m, uint8_t bd)
{
	if (!step_ok(m->lot))
		return 1;
	return scale_exact((u128)m->lot.mant, (int)bd - (int)m->lot.dec,
			   &m->lot_units);
}

/* unit = tick x lot x 10^qd. Returns scale_exact's code. */
static int derive_unit(struct sx_market_cfg *m, uint8_t qd)
{
	if (!step_ok(m->tick) || !step_ok(m->lot))
		return 1;
	return scale_exact((u128)m->tick.mant * (u128)m->lot.mant,
			   (int)qd - (int)m->tick.dec - (int)m->lot.dec,
			   &m->unit);
}

/* ---- public: defaults and look-ups ---------------------------------- */

void sx_config_defaults(struct sx_config *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->data_dir, "./var", sizeof("./var"));
	c->demo_balance = DEMO_BALANCE_UNITS;
	c->demo_asset = 0;
	c->max_orders = DEFAULT_POOL;
	c->max_positions = DEFAULT_POOL;
	c->max_accounts = DEFAULT_POOL;
	for (size_t i = 0; i < SX_ARRAY_LEN(demo_assets); i++) {
		struct sx_asset_cfg *a = &c->assets[i];
		snprintf(a->name, sizeof(a->name), "%s", demo_assets[i].name);
		a->decimals = demo_assets[i].decimals;
	}
	c->nassets = (uint16_t)SX_ARRAY_LEN(demo_assets);
	for (size_t i = 0; i < SX_ARRAY_LEN(demo_markets); i++) {
		struct sx_market_cfg *m = &c->markets[i];
		snprintf(m->name, sizeof(m->name), "%s", demo_markets[i].name);
		m->base = demo_markets[i].base;
		m->quote = demo_markets[i].quote;
		m->tick = demo_markets[i].tick;
		m->lot = demo_markets[i].lot;
		m->maker_fee_bps = 0;
		m->taker_fee_bps = 0;
		m->market_slippage_bps = DEFAULT_SLIPPAGE_BPS;
		/* The table is exact: both always succeed (tested). */
		(void)derive_lot(m, c->assets[m->base].decimals);
		(void)derive_unit(m, c->assets[m->quote].decimals);
	}
	c->nmarkets = (uint16_t)SX_ARRAY_LEN(demo_markets);
}

int sx_config_find_asset(const struct sx_config *c, const char *s, size_t n)
{
	if (!c || !s || n == 0 || n > SX_NAME_MAX)
		return -1;
	for (unsigned i = 0; i < c->nassets && i < SX_MAX_ASSETS; i++)
		if (name_eq(c->assets[i].name, s, n))
			return (int)i;
	return -1;
}

int sx_config_find_market(const struct sx_config *c, const char *s, size_t n)
{
	if (!c || !s || n == 0 || n > SX_NAME_MAX)
		return -1;
	for (unsigned i = 0; i < c->nmarkets && i < SX_MAX_MARKETS; i++)
		if (name_eq(c->markets[i].name, s, n))
			return (int)i;
	return -1;
}

/* ---- sections ------------------------------------------------------- */

/* Required keys of the section that just ended. */
static int end_section(struct pstate *s)
{
	if (s->sect == S_ASSET) {
		if (!s->akey_line[s->cur][AK_DECIMALS])
			return fail(s, s->asset_line[s->cur],
				    "[asset %s] has no 'decimals' (required)",
				    s->c->assets[s->cur].name);
	} else if (s->sect == S_MARKET) {
		const struct mstate *ms = &s->m[s->cur];
		const char *mname = s->c->markets[s->cur].name;
		if (!ms->key_line[MK_BASE])
			return fail(s, ms->line,
				    "[market %s] has no 'base' (required)",
				    mname);
		if (!ms->key_line[MK_QUOTE])
			return fail(s, ms->line,
				    "[market %s] has no 'quote' (required)",
				    mname);
	}
	return 0;
}

/* The first [asset] or [market] header replaces both default lists. */
static void replace_lists(struct pstate *s)
{
	if (s->replaced)
		return;
	s->replaced = true;
	memset(s->c->assets, 0, sizeof(s->c->assets));
	memset(s->c->markets, 0, sizeof(s->c->markets));
	s->c->nassets = 0;
	s->c->nmarkets = 0;
}

static int begin_asset(struct pstate *s, uint32_t line, struct span nm)
{
	struct sx_config *c = s->c;
	replace_lists(s);
	int dup = sx_config_find_asset(c, nm.p, nm.n);
	if (dup >= 0)
		return fail(s, line,
			    "duplicate section [asset %.*s] (first at line %u)",
			    (int)nm.n, nm.p, (unsigned)s->asset_line[dup]);
	if (c->nassets >= SX_MAX_ASSETS)
		return fail(s, line, "too many assets (max %d)",
			    SX_MAX_ASSETS);
	unsigned i = c->nassets++;
	copy_name(c->assets[i].name, nm);
	s->asset_line[i] = line;
	memset(s->akey_line[i], 0, sizeof(s->akey_line[i]));
	s->sect = S_ASSET;
	s->cur = i;
	return 0;
}

static int begin_market(struct pstate *s, uint32_t line, struct span nm)
{
	struct sx_config *c = s->c;
	replace_lists(s);
	int dup = sx_config_find_market(c, nm.p, nm.n);
	if (dup >= 0)
		return fail(s, line,
			    "duplicate section [market %.*s] (first at line %u)",
			    (int)nm.n, nm.p, (unsigned)s->m[dup].line);
	if (c->nmarkets >= SX_MAX_MARKETS)
		return fail(s, line, "too many markets (max %d)",
			    SX_MAX_MARKETS);
	unsigned i = c->nmarkets++;
	struct sx_market_cfg *m = &c->markets[i];
	memset(m, 0, sizeof(*m));
	copy_name(m->name, nm);
	m->market_slippage_bps = DEFAULT_SLIPPAGE_BPS;
	memset(&s->m[i], 0, sizeof(s->m[i]));
	s->m[i].line = line;
	s->sect = S_MARKET;
	s->cur = i;
	return 0;
}

/* l[0..n) starts with '[' and has no comment nor surrounding blanks. */
static int do_header(struct pstate *s, uint32_t line, const char *l, size_t n)
{
	const char *close = memchr(l, ']', n);
	if (!close)
		return fail(s, line, "unterminated section header (no ']')");
	if ((size_t)(close - l) != n - 1)
		return fail(s, line, "unexpected text after ']'");
	struct span in = trim(l + 1, (size_t)(close - l) - 1);
	if (in.n == 0)
		return fail(s, line, "empty section header '[]'");
	size_t k = 0;
	while (k < in.n && !is_ws(in.p[k]))
		k++;
	struct span kind = { in.p, k };
	struct span nm = trim(in.p + k, in.n - k);

	int rc = end_section(s);
	if (rc)
		return rc;

	if (span_is(kind, "engine")) {
		if (nm.n)
			return fail(s, line, "section [engine] takes no name");
		if (s->engine_line)
			return fail(s, line,
				    "duplicate section [engine] (first at line %u)",
				    (unsigned)s->engine_line);
		s->engine_line = line;
		s->sect = S_ENGINE;
		return 0;
	}
	if (span_is(kind, "asset") || span_is(kind, "market")) {
		bool asset = kind.p[0] == 'a';
		if (nm.n == 0)
			return fail(s, line,
				    "section [%s] needs a name, e.g. [%s]",
				    asset ? "asset" : "market",
				    asset ? "asset USDC" : "market SOL_USDC");
		if (!valid_name(nm))
			return fail(s, line,
				    "invalid %s name '%.*s%s' (1 to %d of A-Z a-z 0-9 _)",
				    asset ? "asset" : "market", show_len(nm),
				    nm.p, show_dots(nm), SX_NAME_MAX);
		return asset ? begin_asset(s, line, nm)
			     : begin_market(s, line, nm);
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(later_sections); i++)
		if (span_is(kind, later_sections[i]))
			return fail(s, line,
				    "unknown section '%s' (not supported yet)",
				    later_sections[i]);
	return fail(s, line, "unknown section '%.*s%s'", show_len(kind),
		    kind.p, show_dots(kind));
}

/* ---- keys ----------------------------------------------------------- */

static int bad_uint(struct pstate *s, uint32_t line, const char *key,
		    struct span v, int rc, uint64_t lo, uint64_t hi)
{
	if (rc == -1)
		return fail(s, line,
			    "invalid integer '%.*s%s' for %s (plain digits)",
			    show_len(v), v.p, show_dots(v), key);
	return fail(s, line, "%s out of range: '%.*s%s' (must be %llu..%llu)",
		    key, show_len(v), v.p, show_dots(v),
		    (unsigned long long)lo, (unsigned long long)hi);
}

static int set_uint32(struct pstate *s, uint32_t line, const char *key,
		      struct span v, uint64_t lo, uint64_t hi, uint32_t *dst)
{
	uint64_t x;
	int rc = parse_uint(v, lo, hi, &x);
	if (rc)
		return bad_uint(s, line, key, v, rc, lo, hi);
	*dst = (uint32_t)x;
	return 0;
}

static int set_name(struct pstate *s, uint32_t line, const char *key,
		    struct span v, char dst[SX_NAME_MAX + 1])
{
	if (!valid_name(v))
		return fail(s, line,
			    "invalid asset name '%.*s%s' for %s (1 to %d of A-Z a-z 0-9 _)",
			    show_len(v), v.p, show_dots(v), key, SX_NAME_MAX);
	copy_name(dst, v);
	return 0;
}

static int set_step(struct pstate *s, uint32_t line, const char *key,
		    struct span v, struct sx_step *dst)
{
	struct sx_step st;
	if (sx_step_parse(v.p, v.n, &st) != 0 || !step_ok(st))
		return fail(s, line,
			    "invalid %s '%.*s%s' (a positive decimal with at most %d decimals)",
			    key, show_len(v), v.p, show_dots(v),
			    CFG_DECIMALS_MAX);
	*dst = st;
	return 0;
}

static int engine_value(struct pstate *s, uint32_t line, enum ekey k,
			struct span v)
{
	struct sx_config *c = s->c;
	const char *key = engine_keys[k];
	switch (k) {
	case EK_DATA_DIR:
		if (v.n >= sizeof(c->data_dir))
			return fail(s, line, "data_dir longer than %zu bytes",
				    sizeof(c->data_dir) - 1);
		memcpy(c->data_dir, v.p, v.n);
		c->data_dir[v.n] = '\0';
		return 0;
	case EK_DEMO_BALANCE: {
		enum sx_dec_status st = sx_dec_parse(v.p, v.n, &s->demo_balance);
		if (st == SX_DEC_SYNTAX)
			return fail(s, line,
				    "invalid number '%.*s%s' for demo_balance",
				    show_len(v), v.p, show_dots(v));
		if (st != SX_DEC_OK)
			return fail(s, line, "demo_balance '%.*s%s' out of range",
				    show_len(v), v.p, show_dots(v));
		if (s->demo_balance.neg)
			return fail(s, line, "demo_balance must be >= 0");
		return 0;
	}
	case EK_DEMO_ASSET:
		return set_name(s, line, key, v, s->demo_asset);
	case EK_MAX_ORDERS:
		return set_uint32(s, line, key, v, 1, CFG_POOL_MAX,
				  &c->max_orders);
	case EK_MAX_POSITIONS:
		return set_uint32(s, line, key, v, 1, CFG_POOL_MAX,
				  &c->max_positions);
	case EK_MAX_ACCOUNTS:
		return set_uint32(s, line, key, v, 1, CFG_POOL_MAX,
				  &c->max_accounts);
	case EK_COUNT:
		break;
	}
	return fail(s, line, "internal: unhandled key");
}

static int asset_value(struct pstate *s, uint32_t line, struct span v)
{
	uint64_t x;
	int rc = parse_uint(v, 0, CFG_DECIMALS_MAX, &x);
	if (rc)
		return bad_uint(s, line, "decimals", v, rc, 0, CFG_DECIMALS_MAX);
	s->c->assets[s->cur].decimals = (uint8_t)x;
	return 0;
}

static int market_value(struct pstate *s, uint32_t line, enum mkey k,
			struct span v)
{
	struct sx_market_cfg *m = &s->c->markets[s->cur];
	struct mstate *ms = &s->m[s->cur];
	const char *key = market_keys[k];
	switch (k) {
	case MK_BASE:
		return set_name(s, line, key, v, ms->base);
	case MK_QUOTE:
		return set_name(s, line, key, v, ms->quote);
	case MK_TICK:
		return set_step(s, line, key, v, &m->tick);
	case MK_LOT:
		return set_step(s, line, key, v, &m->lot);
	case MK_MAKER:
		return set_uint32(s, line, key, v, 0, SX_BPS_MAX,
				  &m->maker_fee_bps);
	case MK_TAKER:
		return set_uint32(s, line, key, v, 0, SX_BPS_MAX,
				  &m->taker_fee_bps);
	case MK_SLIPPAGE:
		return set_uint32(s, line, key, v, 0, SX_BPS_MAX,
				  &m->market_slippage_bps);
	case MK_COUNT:
		break;
	}
	return fail(s, line, "internal: unhandled key");
}

static int find_key(const char *const *keys, size_t nkeys, struct span k)
{
	for (size_t i = 0; i < nkeys; i++)
		if (span_is(k, keys[i]))
			return (int)i;
	return -1;
}

static int do_key(struct pstate *s, uint32_t line, struct span k,
		  struct span v)
{
	const char *const *keys;
	size_t nkeys;
	uint32_t *seen;
	char where[SX_NAME_MAX + 16];

	switch (s->sect) {
	case S_ENGINE:
		keys = engine_keys;
		nkeys = EK_COUNT;
		seen = s->ekey_line;
		snprintf(where, sizeof(where), "[engine]");
		break;
	case S_ASSET:
		keys = asset_keys;
		nkeys = AK_COUNT;
		seen = s->akey_line[s->cur];
		snprintf(where, sizeof(where), "[asset %s]",
			 s->c->assets[s->cur].name);
		break;
	case S_MARKET:
		keys = market_keys;
		nkeys = MK_COUNT;
		seen = s->m[s->cur].key_line;
		snprintf(where, sizeof(where), "[market %s]",
			 s->c->markets[s->cur].name);
		break;
	case S_NONE:
	default:
		return fail(s, line, "key '%.*s%s' before any [section]",
			    show_len(k), k.p, show_dots(k));
	}
	int i = find_key(keys, nkeys, k);
	if (i < 0)
		return fail(s, line, "unknown key '%.*s%s' in %s", show_len(k),
			    k.p, show_dots(k), where);
	if (seen[i])
		return fail(s, line, "duplicate key '%s' in %s (first at line %u)",
			    keys[i], where, (unsigned)seen[i]);
	if (v.n == 0)
		return fail(s, line, "empty value for '%s'", keys[i]);
	seen[i] = line;
	switch (s->sect) {
	case S_ENGINE:
		return engine_value(s, line, (enum ekey)i, v);
	case S_ASSET:
		return asset_value(s, line, v);
	case S_MARKET:
	default:
		return market_value(s, line, (enum mkey)i, v);
	}
}

/* One line without its "\n" or "\r\n". */
static int do_line(struct pstate *s, uint32_t line, const char *l, size_t n)
{
	if (n > CFG_LINE_MAX)
		return fail(s, line, "line longer than %d bytes", CFG_LINE_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)l[i];
		if (ch == 0)
			return fail(s, line, "NUL byte at column %zu", i + 1);
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return fail(s, line,
				    "control character 0x%02x at column %zu",
				    (unsigned)ch, i + 1);
	}
	struct span t = trim(l, n);
	if (t.n == 0 || t.p[0] == ';' || t.p[0] == '#')
		return 0;
	/* An inline comment starts at ';' or '#' after a blank. */
	for (size_t i = 1; i < t.n; i++) {
		if ((t.p[i] == ';' || t.p[i] == '#') && is_ws(t.p[i - 1])) {
			t = trim(t.p, i);
			break;
		}
	}
	if (t.p[0] == '[')
		return do_header(s, line, t.p, t.n);
	const char *eq = memchr(t.p, '=', t.n);
	if (!eq)
		return fail(s, line,
			    "expected 'key = value' or a [section] header");
	struct span k = trim(t.p, (size_t)(eq - t.p));
	struct span v = trim(eq + 1, t.n - (size_t)(eq - t.p) - 1);
	if (k.n == 0)
		return fail(s, line, "empty key before '='");
	return do_key(s, line, k, v);
}

/* ---- cross-checks after the whole file ------------------------------ */

static int resolve_asset(struct pstate *s, uint32_t line, const char *key,
			 const char *aname, uint16_t *dst)
{
	int a = sx_config_find_asset(s->c, aname, strlen(aname));
	if (a < 0)
		return fail(s, line, "%s '%s' is not a defined [asset]", key,
			    aname);
	*dst = (uint16_t)a;
	return 0;
}

static int resolve_market(struct pstate *s, unsigned i)
{
	struct sx_config *c = s->c;
	struct sx_market_cfg *m = &c->markets[i];
	const struct mstate *ms = &s->m[i];
	char b1[48], b2[48];
	int rc = resolve_asset(s, ms->key_line[MK_BASE], "base", ms->base,
			       &m->base);
	if (!rc)
		rc = resolve_asset(s, ms->key_line[MK_QUOTE], "quote",
				   ms->quote, &m->quote);
	if (rc)
		return rc;
	if (m->base == m->quote)
		return fail(s, ms->key_line[MK_QUOTE],
			    "[market %s] has the same base and quote '%s'",
			    m->name, ms->quote);
	const struct sx_asset_cfg *ba = &c->assets[m->base];
	const struct sx_asset_cfg *qa = &c->assets[m->quote];
	if (!ms->key_line[MK_TICK])
		m->tick = sx_step_unit(qa->decimals);
	if (!ms->key_line[MK_LOT])
		m->lot = sx_step_unit(ba->decimals);

	uint32_t lot_line = ms->key_line[MK_LOT] ? ms->key_line[MK_LOT]
						 : ms->line;
	rc = derive_lot(m, ba->decimals);
	if (rc == 1)
		return fail(s, lot_line,
			    "lot %s is finer than one minor unit of %s (%u decimals)",
			    fmt_step(m->lot, b1), ba->name,
			    (unsigned)ba->decimals);
	if (rc)
		return fail(s, lot_line,
			    "lot %s is too large (more than 2^63-1 minor units of %s)",
			    fmt_step(m->lot, b1), ba->name);

	uint32_t unit_line = ms->key_line[MK_TICK] ? ms->key_line[MK_TICK]
						   : lot_line;
	rc = derive_unit(m, qa->decimals);
	if (rc == 1)
		return fail(s, unit_line,
			    "tick %s x lot %s is not a whole number of %s minor units (%u decimals)",
			    fmt_step(m->tick, b1), fmt_step(m->lot, b2),
			    qa->name, (unsigned)qa->decimals);
	if (rc)
		return fail(s, unit_line,
			    "tick %s x lot %s is too large (more than 2^63-1 minor units of %s)",
			    fmt_step(m->tick, b1), fmt_step(m->lot, b2),
			    qa->name);
	return 0;
}

static int resolve_demo(struct pstate *s)
{
	struct sx_config *c = s->c;
	uint32_t aline = s->ekey_line[EK_DEMO_ASSET];
	uint32_t bline = s->ekey_line[EK_DEMO_BALANCE];
	bool credit = bline && s->demo_balance.mant != 0;
	int a;

	if (aline) {
		a = sx_config_find_asset(c, s->demo_asset,
					 strlen(s->demo_asset));
		if (a < 0)
			return fail(s, aline,
				    "demo_asset '%s' is not a defined [asset]",
				    s->demo_asset);
	} else {
		a = sx_config_find_asset(c, "USDC", 4);
		if (a < 0 && credit)
			return fail(s, bline,
				    "demo_balance needs demo_asset: the default 'USDC' is not a defined [asset]");
		if (a < 0)
			a = 0; /* unused: nobody is credited */
	}
	c->demo_asset = (uint16_t)a;
	c->demo_balance = 0;
	if (!bline)
		return 0;
	const struct sx_asset_cfg *da = &c->assets[a];
	int64_t units;
	enum sx_dec_status st = sx_dec_to_steps(
		&s->demo_balance, sx_step_unit(da->decimals), &units);
	if (st == SX_DEC_NOT_MULTIPLE)
		return fail(s, bline,
			    "demo_balance has more decimals than %s allows (%u)",
			    da->name, (unsigned)da->decimals);
	if (st != SX_DEC_OK || units < 0)
		return fail(s, bline, "demo_balance too large for %s",
			    da->name);
	c->demo_balance = units;
	return 0;
}

/* ---- public: parse and load ----------------------------------------- */

int sx_config_parse(const char *name, const char *buf, size_t len,
		    struct sx_config *c, char *err, size_t errcap)
{
	struct pstate s;
	memset(&s, 0, sizeof(s));
	s.name = name ? name : "config";
	s.err = err;
	s.errcap = errcap;
	s.c = c;
	if (err && errcap)
		err[0] = '\0';
	if (!c || (!buf && len))
		return fail(&s, 0, "invalid arguments");
	if (len > CFG_FILE_MAX)
		return fail(&s, 1, "larger than 1 MiB (%u bytes)", CFG_FILE_MAX);

	sx_config_defaults(c);
	c->demo_balance = 0;

	size_t pos = 0;
	uint32_t line = 0;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		pos = 3; /* UTF-8 byte order mark */
	while (pos < len) {
		const char *l = buf + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		if (n && l[n - 1] == '\r')
			n--;
		int rc = do_line(&s, line, l, n);
		if (rc)
			return rc;
	}
	int rc = end_section(&s);
	if (rc)
		return rc;
	if (s.replaced) {
		for (unsigned i = 0; i < c->nmarkets; i++) {
			rc = resolve_market(&s, i);
			if (rc)
				return rc;
		}
	}
	return resolve_demo(&s);
}

static int load_fail(const char *path, int e, char *err, size_t errcap)
{
	if (err && errcap)
		snprintf(err, errcap, "%s: %s", path ? path : "(null)",
			 strerror(e));
	return -e;
}

int sx_config_load(const char *path, struct sx_config *c, char *err,
		   size_t errcap)
{
	if (err && errcap)
		err[0] = '\0';
	if (!path)
		return load_fail(path, EINVAL, err, errcap);
	errno = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return load_fail(path, errno ? errno : EIO, err, errcap);
	char *buf = malloc(CFG_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return load_fail(path, ENOMEM, err, errcap);
	}
	errno = 0;
	size_t n = fread(buf, 1, CFG_FILE_MAX + 1, f);
	int e = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (e) {
		free(buf);
		return load_fail(path, e, err, errcap);
	}
	if (n > CFG_FILE_MAX) {
		free(buf);
		if (err && errcap)
			snprintf(err, errcap,
				 "%s: file too large (a configuration is at most 1 MiB, %u bytes)",
				 path, CFG_FILE_MAX);
		return -EFBIG;
	}
	int rc = sx_config_parse(path, buf, n, c, err, errcap);
	free(buf);
	return rc;
}
