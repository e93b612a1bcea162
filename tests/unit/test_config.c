/*
 * test_config.c - unit tests of the configuration module (sequex/config.h):
 * demo defaults, valid files, list replacement, comments, CRLF, every error
 * class with its exact "NAME:LINE:" prefix, sx_config_load's I/O errors and
 * size cap, and a small deterministic mutation run that must never crash.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp, mkdtemp */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sequex/config.h"

#define NAME "t.ini"

static int parse_n(const char *text, size_t len, struct sx_config *c,
		   char *err, size_t errcap)
{
	return sx_config_parse(NAME, text, len, c, err, errcap);
}

static int parse(const char *text, struct sx_config *c, char *err,
		 size_t errcap)
{
	return parse_n(text, strlen(text), c, err, errcap);
}

/* Parse text that must be valid; fails the test with the message if not. */
static void parse_ok(const char *text, struct sx_config *c)
{
	char err[512];
	int rc = parse(text, c, err, sizeof(err));
	if (rc != 0)
		fail_msg("unexpected error %d: %s\n--- text ---\n%s", rc, err,
			 text);
}

/* Parse text that must be refused with "t.ini:LINE: ...word...". */
static void expect_err_n(const char *text, size_t len, unsigned line,
			 const char *word)
{
	struct sx_config c;
	char err[512], prefix[32];
	int rc = parse_n(text, len, &c, err, sizeof(err));
	snprintf(prefix, sizeof(prefix), NAME ":%u: ", line);
	if (rc != -EINVAL || strncmp(err, prefix, strlen(prefix)) != 0 ||
	    !strstr(err, word))
		fail_msg("want -EINVAL '%s...%s...', got %d '%s'\n--- text ---\n%.300s",
			 prefix, word, rc, err, text);
}

static void expect_err(const char *text, unsigned line, const char *word)
{
	expect_err_n(text, strlen(text), line, word);
}

static int asset(const struct sx_config *c, const char *name)
{
	return sx_config_find_asset(c, name, strlen(name));
}

static int market(const struct sx_config *c, const char *name)
{
	return sx_config_find_market(c, name, strlen(name));
}

static void check_step(struct sx_step s, int64_t mant, uint8_t dec)
{
	assert_int_equal(s.mant, mant);
	assert_int_equal(s.dec, dec);
}

/* The three demo markets and four demo assets, every field. */
static void check_demo_lists(const struct sx_config *c)
{
	static const struct {
		const char *name;
		uint8_t dec;
	} a[] = { { "USDC", 6 }, { "SOL", 9 }, { "ETH", 9 }, { "BTC", 8 } };
	static const struct {
		const char *name;
		uint16_t base, quote;
		int64_t tm;
		uint8_t td;
		int64_t lm;
		uint8_t ld;
		int64_t unit, lot_units;
	} m[] = {
		/* 0.01 x 0.01 x 1e6 = 100; 0.01 x 1e9 = 1e7 */
		{ "SOL_USDC", 1, 0, 1, 2, 1, 2, 100, 10000000 },
		/* 0.01 x 0.0001 x 1e6 = 1; 0.0001 x 1e9 = 1e5 */
		{ "ETH_USDC", 2, 0, 1, 2, 1, 4, 1, 100000 },
		/* 0.1 x 0.00001 x 1e6 = 1; 0.00001 x 1e8 = 1000 */
		{ "BTC_USDC", 3, 0, 1, 1, 1, 5, 1, 1000 },
	};
	assert_int_equal(c->nassets, 4);
	for (unsigned i = 0; i < 4; i++) {
		assert_string_equal(c->assets[i].name, a[i].name);
		assert_int_equal(c->assets[i].decimals, a[i].dec);
	}
	assert_int_equal(c->nmarkets, 3);
	for (unsigned i = 0; i < 3; i++) {
		const struct sx_market_cfg *x = &c->markets[i];
		assert_string_equal(x->name, m[i].name);
		assert_int_equal(x->base, m[i].base);
		assert_int_equal(x->quote, m[i].quote);
		check_step(x->tick, m[i].tm, m[i].td);
		check_step(x->lot, m[i].lm, m[i].ld);
		assert_int_equal(x->unit, m[i].unit);
		assert_int_equal(x->lot_units, m[i].lot_units);
		assert_int_equal(x->maker_fee_bps, 0);
		assert_int_equal(x->taker_fee_bps, 0);
		assert_int_equal(x->market_slippage_bps, 500);
	}
}

/* ---- defaults --------------------------------------------------------- */

static void test_defaults(void **state)
{
	(void)state;
	struct sx_config c;
	memset(&c, 0xA5, sizeof(c));
	sx_config_defaults(&c);
	assert_string_equal(c.data_dir, "./var");
	assert_int_equal(c.demo_balance, 5000000000); /* 5000 USDC, 6 dec */
	assert_int_equal(c.demo_asset, 0);
	assert_string_equal(c.assets[c.demo_asset].name, "USDC");
	assert_int_equal(c.max_orders, 1000000);
	assert_int_equal(c.max_positions, 1000000);
	assert_int_equal(c.max_accounts, 1000000);
	check_demo_lists(&c);
}

static void test_empty_file_keeps_defaults_without_demo_balance(void **state)
{
	(void)state;
	struct sx_config c, d;
	sx_config_defaults(&d);
	const char *texts[] = { "", "\n", "; only a comment\n\n# another\n",
				"[engine]\n" };
	for (size_t i = 0; i < SX_ARRAY_LEN(texts); i++) {
		parse_ok(texts[i], &c);
		assert_int_equal(c.demo_balance, 0);
		d.demo_balance = 0;
		assert_memory_equal(&c, &d, sizeof(c));
	}
}

/* ---- valid files ------------------------------------------------------ */

static const char full_file[] =
	"; sequex test configuration\n"
	"[engine]\n"
	"data_dir = /srv/sequex   ; journal/ and snapshots/ live here\n"
	"demo_balance = 250.5\n"
	"demo_asset = USDT\n"
	"max_orders = 2000\n"
	"max_positions = 3000\n"
	"max_accounts = 100000000\n"
	"\n"
	"[asset USDT]\n"
	"decimals = 6\n"
	"[asset DOGE]\n"
	"decimals = 0\n"
	"[asset WEI]\n"
	"decimals = 18\n"
	"\n"
	"[market DOGE_USDT]\n"
	"base = DOGE\n"
	"quote = USDT\n"
	"tick = 0.0001\n"
	"lot = 100\n"
	"maker_fee_bps = 2\n"
	"taker_fee_bps = 10000\n"
	"market_slippage_bps = 0\n"
	"[market WEI_DOGE]\n"
	"base = WEI\n"
	"quote = DOGE\n"
	"lot = 0.5\n"
	"tick = 2\n";

static void test_full_file(void **state)
{
	(void)state;
	struct sx_config c;
	parse_ok(full_file, &c);
	assert_string_equal(c.data_dir, "/srv/sequex");
	assert_int_equal(c.demo_asset, 0);
	assert_int_equal(c.demo_balance, 250500000);
	assert_int_equal(c.max_orders, 2000);
	assert_int_equal(c.max_positions, 3000);
	assert_int_equal(c.max_accounts, 100000000);

	assert_int_equal(c.nassets, 3);
	assert_string_equal(c.assets[0].name, "USDT");
	assert_int_equal(c.assets[0].decimals, 6);
	assert_string_equal(c.assets[1].name, "DOGE");
	assert_int_equal(c.assets[1].decimals, 0);
	assert_string_equal(c.assets[2].name, "WEI");
	assert_int_equal(c.assets[2].decimals, 18);

	assert_int_equal(c.nmarkets, 2);
	const struct sx_market_cfg *m = &c.markets[0];
	assert_string_equal(m->name, "DOGE_USDT");
	assert_int_equal(m->base, 1);
	assert_int_equal(m->quote, 0);
	check_step(m->tick, 1, 4);
	check_step(m->lot, 100, 0);
	assert_int_equal(m->unit, 10000);     /* 0.0001 x 100 x 1e6 */
	assert_int_equal(m->lot_units, 100);  /* 100 x 1e0 */
	assert_int_equal(m->maker_fee_bps, 2);
	assert_int_equal(m->taker_fee_bps, 10000);
	assert_int_equal(m->market_slippage_bps, 0);

	m = &c.markets[1];
	assert_string_equal(m->name, "WEI_DOGE");
	assert_int_equal(m->base, 2);
	assert_int_equal(m->quote, 1);
	check_step(m->tick, 2, 0);
	check_step(m->lot, 5, 1);
	assert_int_equal(m->unit, 1);                        /* 2 x 0.5 x 1 */
	assert_int_equal(m->lot_units, 500000000000000000);  /* 0.5 x 1e18 */
	assert_int_equal(m->maker_fee_bps, 0);
	assert_int_equal(m->taker_fee_bps, 0);
	assert_int_equal(m->market_slippage_bps, 500);
}

static void test_tick_and_lot_defaults(void **state)
{
	(void)state;
	struct sx_config c;
	/* Default tick = one minor unit of quote (0.01 with 2 decimals). */
	parse_ok("[asset Q]\ndecimals = 2\n[asset B]\ndecimals = 3\n"
		 "[market B_Q]\nbase = B\nquote = Q\nlot = 1\n", &c);
	check_step(c.markets[0].tick, 1, 2);
	assert_int_equal(c.markets[0].unit, 1);
	assert_int_equal(c.markets[0].lot_units, 1000);
	/* Default lot = one minor unit of base (0.001). */
	parse_ok("[asset Q]\ndecimals = 2\n[asset B]\ndecimals = 3\n"
		 "[market B_Q]\nbase = B\nquote = Q\ntick = 10\n", &c);
	check_step(c.markets[0].lot, 1, 3);
	assert_int_equal(c.markets[0].unit, 1);   /* 10 x 0.001 x 100 */
	assert_int_equal(c.markets[0].lot_units, 1);
	/* Both default: fine only when the base has 0 decimals. */
	parse_ok("[asset Q]\ndecimals = 2\n[asset B]\ndecimals = 0\n"
		 "[market B_Q]\nbase = B\nquote = Q\n", &c);
	assert_int_equal(c.markets[0].unit, 1);
	assert_int_equal(c.markets[0].lot_units, 1);
}

static void test_file_lists_replace_defaults(void **state)
{
	(void)state;
	struct sx_config c;
	/* A market section alone (its assets after it) replaces both lists. */
	parse_ok("[market X_Y]\nbase = X\nquote = Y\nlot = 1\n"
		 "[asset Y]\ndecimals = 0\n[asset X]\ndecimals = 0\n", &c);
	assert_int_equal(c.nassets, 2);
	assert_int_equal(c.nmarkets, 1);
	assert_int_equal(asset(&c, "Y"), 0);
	assert_int_equal(asset(&c, "X"), 1);
	assert_int_equal(asset(&c, "USDC"), -1);
	assert_int_equal(market(&c, "SOL_USDC"), -1);
	assert_int_equal(c.markets[0].base, 1);
	assert_int_equal(c.markets[0].quote, 0);

	/* An asset section alone: the file's assets, no markets at all. */
	parse_ok("[asset USDC]\ndecimals = 2\n", &c);
	assert_int_equal(c.nassets, 1);
	assert_int_equal(c.assets[0].decimals, 2);
	assert_int_equal(c.nmarkets, 0);
	assert_int_equal(market(&c, "SOL_USDC"), -1);
}

static void test_engine_only_keeps_default_lists(void **state)
{
	(void)state;
	struct sx_config c;
	parse_ok("[engine]\nmax_orders = 5\ndemo_balance = 12.5\n", &c);
	assert_int_equal(c.max_orders, 5);
	assert_int_equal(c.max_positions, 1000000);
	assert_int_equal(c.demo_asset, 0);
	assert_int_equal(c.demo_balance, 12500000);
	check_demo_lists(&c);

	parse_ok("[engine]\ndemo_asset = SOL\ndemo_balance = 1.000000001\n", &c);
	assert_int_equal(c.demo_asset, 1);
	assert_int_equal(c.demo_balance, 1000000001);
	check_demo_lists(&c);
}

static void test_demo_asset_defined_later(void **state)
{
	(void)state;
	struct sx_config c;
	parse_ok("[engine]\ndemo_asset = FOO\ndemo_balance = 3.25\n"
		 "[asset BAR]\ndecimals = 1\n[asset FOO]\ndecimals = 2\n", &c);
	assert_int_equal(c.demo_asset, 1);
	assert_int_equal(c.demo_balance, 325);
}

static void test_demo_balance_values(void **state)
{
	(void)state;
	struct sx_config c;
	parse_ok("[engine]\ndemo_balance = 0\n", &c);
	assert_int_equal(c.demo_balance, 0);
	parse_ok("[engine]\ndemo_balance = 0.000001\n", &c); /* 1 minor unit */
	assert_int_equal(c.demo_balance, 1);
	parse_ok("[engine]\ndemo_balance = 5e3\n", &c);
	assert_int_equal(c.demo_balance, 5000000000);
	parse_ok("[engine]\ndemo_balance = 1.50000000\n", &c); /* zeros ok */
	assert_int_equal(c.demo_balance, 1500000);
	/* No USDC and no demo_balance: nobody is credited, no error. */
	parse_ok("[asset EUR]\ndecimals = 2\n", &c);
	assert_int_equal(c.demo_asset, 0);
	assert_int_equal(c.demo_balance, 0);
}

static void test_comments(void **state)
{
	(void)state;
	struct sx_config c;
	parse_ok("  ; indented comment\n"
		 "\t# tab-indented comment\n"
		 "[engine]   ; header comment\n"
		 "data_dir = ./var2   ; comment\n"
		 "max_orders = 7\t# comment\n"
		 "  max_accounts   =   9  \n",
		 &c);
	assert_string_equal(c.data_dir, "./var2");
	assert_int_equal(c.max_orders, 7);
	assert_int_equal(c.max_accounts, 9);
	/* ';' or '#' not after a blank is part of the value. */
	parse_ok("[engine]\ndata_dir = a;b#c ;real comment\n", &c);
	assert_string_equal(c.data_dir, "a;b#c");
	/* ... which makes an integer invalid. */
	expect_err("[engine]\nmax_orders = 7;x\n", 2, "invalid integer");
	/* A header needs a blank before its comment too. */
	expect_err("[engine];x\n", 1, "after ']'");
}

static void test_crlf_and_last_line_without_newline(void **state)
{
	(void)state;
	struct sx_config c;
	parse_ok("[engine]\r\ndata_dir = ./crlf\r\nmax_orders = 3\r\n"
		 "[asset A]\r\ndecimals = 2 ; c\r\n"
		 "[market A_A2]\r\nbase = A\r\nquote = Q\r\nlot = 1\r\n"
		 "[asset Q]\r\ndecimals = 1", &c);
	assert_string_equal(c.data_dir, "./crlf");
	assert_int_equal(c.max_orders, 3);
	assert_int_equal(c.nassets, 2);
	assert_int_equal(c.assets[0].decimals, 2);
	assert_int_equal(c.assets[1].decimals, 1);
	assert_int_equal(c.markets[0].unit, 1);      /* 0.1 x 1 x 10 */
	assert_int_equal(c.markets[0].lot_units, 100);
	/* Line numbers still count CRLF lines. */
	expect_err("[engine]\r\n\r\nbogus = 1\r\n", 3, "unknown key 'bogus'");
	/* Only one '\r' before '\n' is a line ending. */
	expect_err("[engine]\r\r\n", 1, "control character");
}

static void test_bom_accepted(void **state)
{
	(void)state;
	struct sx_config c;
	parse_ok("\xEF\xBB\xBF[engine]\nmax_orders = 4\n", &c);
	assert_int_equal(c.max_orders, 4);
}

static void test_limits_accepted(void **state)
{
	(void)state;
	struct sx_config c;
	char dir[300];
	char text[400];
	memset(dir, 'd', 255);
	dir[255] = '\0';
	snprintf(text, sizeof(text), "[engine]\ndata_dir = %s\n", dir);
	parse_ok(text, &c);
	assert_string_equal(c.data_dir, dir);

	parse_ok("[engine]\nmax_orders = 100000000\nmax_positions = 1\n"
		 "max_accounts = 0000012\n", &c);
	assert_int_equal(c.max_orders, 100000000);
	assert_int_equal(c.max_positions, 1);
	assert_int_equal(c.max_accounts, 12);

	/* 23-character names are the longest allowed. */
	parse_ok("[asset ABCDEFGHIJKLMNOPQRSTUVW]\ndecimals = 0\n"
		 "[market abcdefghijklmnopqrstu_9]\nbase = ABCDEFGHIJKLMNOPQRSTUVW\n"
		 "quote = Z\n[asset Z]\ndecimals = 0\n", &c);
	assert_int_equal(asset(&c, "ABCDEFGHIJKLMNOPQRSTUVW"), 0);
	assert_int_equal(market(&c, "abcdefghijklmnopqrstu_9"), 0);

	/* A line of exactly 4096 bytes is fine. */
	char *big = malloc(5000);
	assert_non_null(big);
	memcpy(big, "[engine]\n;", 10);
	memset(big + 10, 'x', 4095);
	memcpy(big + 10 + 4095, "\nmax_orders = 6\n", 17);
	parse_ok(big, &c);
	assert_int_equal(c.max_orders, 6);
	free(big);

	/* Exactly 32 assets and 256 markets. */
	size_t cap = 64 * 1024;
	char *t = malloc(cap);
	assert_non_null(t);
	size_t o = 0;
	for (int i = 0; i < 32; i++)
		o += (size_t)snprintf(t + o, cap - o,
				      "[asset A%d]\ndecimals = 0\n", i);
	for (int i = 0; i < 256; i++)
		o += (size_t)snprintf(t + o, cap - o,
				      "[market M%d]\nbase = A%d\nquote = A%d\n",
				      i, i % 32, (i + 1) % 32);
	parse_ok(t, &c);
	assert_int_equal(c.nassets, 32);
	assert_int_equal(c.nmarkets, 256);
	assert_int_equal(market(&c, "M255"), 255);
	assert_int_equal(c.markets[255].base, 31);
	assert_int_equal(c.markets[255].quote, 0);
	free(t);
}

/* ---- errors: syntax ---------------------------------------------------- */

static void test_err_line_syntax(void **state)
{
	(void)state;
	expect_err("[engine]\nmax_orders 5\n", 2, "expected 'key = value'");
	expect_err("[engine]\n\n = 5\n", 3, "empty key");
	expect_err("max_orders = 5\n[engine]\n", 1, "before any [section]");
	expect_err("; c\n\nfoo = 1\n", 3, "before any [section]");
	expect_err("[engine]\nmax_orders =\n", 2, "empty value");
	expect_err("[engine]\nmax_orders =   ; nothing\n", 2, "empty value");
	expect_err("[asset A]\ndecimals = \t\n", 2, "empty value");
}

static void test_err_headers(void **state)
{
	(void)state;
	expect_err("[engine\n", 1, "unterminated");
	expect_err("\n[engine] x\n", 2, "after ']'");
	expect_err("\n\n[ ]\n", 3, "empty section");
	expect_err("[engine main]\n", 1, "takes no name");
	expect_err("[asset]\n", 1, "needs a name");
	expect_err("[market   ]\n", 1, "needs a name");
	expect_err("[asset US-D]\n", 1, "invalid asset name");
	expect_err("[asset USDC X]\n", 1, "invalid asset name");
	expect_err("[market ABCDEFGHIJKLMNOPQRSTUVWX]\n", 1,
		   "invalid market name");
}

static void test_err_unknown_sections(void **state)
{
	(void)state;
	expect_err("[engine]\n[foo]\n", 2, "unknown section 'foo'");
	expect_err("[Engine]\n", 1, "unknown section 'Engine'");
	expect_err("[ASSET X]\n", 1, "unknown section 'ASSET'");
	const char *later[] = { "cpu", "gateway", "redis", "journal",
				"snapshot", "feed" };
	char text[64], want[64];
	for (size_t i = 0; i < SX_ARRAY_LEN(later); i++) {
		snprintf(text, sizeof(text), "; x\n[%s]\nk = v\n", later[i]);
		snprintf(want, sizeof(want), "unknown section '%s'", later[i]);
		expect_err(text, 2, want);
	}
	expect_err("[asset USDC]\ndecimals = 6\n[instrument SOL]\n", 3,
		   "unknown section 'instrument'");
}

static void test_err_unknown_keys(void **state)
{
	(void)state;
	expect_err("[engine]\ndata_dir = x\nmax_order = 1\n", 3,
		   "unknown key 'max_order' in [engine]");
	expect_err("[engine]\nMAX_ORDERS = 1\n", 2, "unknown key 'MAX_ORDERS'");
	expect_err("[asset A]\ndecimal = 1\n", 2,
		   "unknown key 'decimal' in [asset A]");
	expect_err("[asset A]\ndecimals = 1\n[market M]\nbase = A\nfee = 1\n", 5,
		   "unknown key 'fee' in [market M]");
	/* engine keys are not market keys and vice versa */
	expect_err("[engine]\ntick = 1\n", 2, "unknown key 'tick'");
	expect_err("[market M]\nmax_orders = 1\n", 2, "unknown key");
}

static void test_err_duplicates(void **state)
{
	(void)state;
	expect_err("[engine]\nmax_orders = 1\n\nmax_orders = 2\n", 4,
		   "duplicate key 'max_orders'");
	expect_err("[asset A]\ndecimals = 1\ndecimals = 1\n", 3,
		   "duplicate key 'decimals'");
	expect_err("[market M]\nbase = A\nquote = B\nbase = A\n", 4,
		   "duplicate key 'base'");
	expect_err("[engine]\n[asset A]\ndecimals = 1\n[engine]\n", 4,
		   "duplicate section [engine] (first at line 1)");
	expect_err("[asset A]\ndecimals = 1\n[asset B]\ndecimals = 1\n"
		   "[asset A]\ndecimals = 1\n", 5,
		   "duplicate section [asset A] (first at line 1)");
	expect_err("[asset A]\ndecimals = 0\n[asset B]\ndecimals = 0\n"
		   "[market M]\nbase = A\nquote = B\n"
		   "[market M]\nbase = B\nquote = A\n", 8,
		   "duplicate section [market M] (first at line 5)");
	/* Names are case-sensitive: A and a are two assets. */
	struct sx_config c;
	parse_ok("[asset A]\ndecimals = 0\n[asset a]\ndecimals = 1\n", &c);
	assert_int_equal(c.nassets, 2);
}

static void test_err_line_length_nul_control(void **state)
{
	(void)state;
	char *big = malloc(5000);
	assert_non_null(big);
	memcpy(big, "[engine]\n;", 10);
	memset(big + 10, 'x', 4096); /* line 2 is 4097 bytes */
	memcpy(big + 10 + 4096, "\n", 2);
	expect_err(big, 2, "longer than 4096");
	/* Also without a final newline, and with CRLF the '\r' is not counted. */
	big[10 + 4096] = '\0';
	expect_err(big, 2, "longer than 4096");
	big[10 + 4095] = '\r';
	big[10 + 4096] = '\n';
	big[10 + 4097] = '\0';
	struct sx_config c;
	parse_ok(big, &c);
	free(big);

	static const char nul[] = "[engine]\nmax_orders = 1\0\n";
	expect_err_n(nul, sizeof(nul) - 1, 2, "NUL byte");
	static const char nul2[] = "[engine]\n\n\0";
	expect_err_n(nul2, sizeof(nul2) - 1, 3, "NUL byte");
	expect_err("[engine]\ndata_dir = a\x01" "b\n", 2, "control character");
	expect_err("[engine]\ndata_dir = a\rb\n", 2, "control character");
	expect_err("[engine]\ndata_dir = a\x7f\n", 2, "control character");
}

/* ---- errors: values ---------------------------------------------------- */

static void test_err_integers(void **state)
{
	(void)state;
	expect_err("[engine]\nmax_orders = 0\n", 2, "out of range");
	expect_err("[engine]\nmax_orders = 100000001\n", 2, "out of range");
	expect_err("[engine]\nmax_positions = 99999999999999999999999999\n", 2,
		   "out of range");
	expect_err("[engine]\nmax_accounts = 0\n", 2, "out of range");
	/* 2^64 + 5 must not wrap around to 5 */
	expect_err("[engine]\nmax_orders = 18446744073709551621\n", 2,
		   "out of range");
	expect_err("[asset A]\ndecimals = 18446744073709551617\n", 2,
		   "out of range");
	expect_err("[engine]\nmax_orders = -1\n", 2, "invalid integer");
	expect_err("[engine]\nmax_orders = +1\n", 2, "invalid integer");
	expect_err("[engine]\nmax_orders = 1.5\n", 2, "invalid integer");
	expect_err("[engine]\nmax_orders = 1e3\n", 2, "invalid integer");
	expect_err("[engine]\nmax_orders = 1 000\n", 2, "invalid integer");
	expect_err("[engine]\nmax_orders = 0x10\n", 2, "invalid integer");
	expect_err("[asset A]\ndecimals = 19\n", 2, "out of range");
	expect_err("[asset A]\ndecimals = x\n", 2, "invalid integer");
	expect_err("[market M]\nmaker_fee_bps = 10001\n", 2, "out of range");
	expect_err("[market M]\ntaker_fee_bps = -5\n", 2, "invalid integer");
	expect_err("[market M]\nmarket_slippage_bps = 10001\n", 2,
		   "out of range");
	struct sx_config c;
	parse_ok("[asset A]\ndecimals = 0\n[asset B]\ndecimals = 0\n"
		 "[market M]\nbase = A\nquote = B\nmaker_fee_bps = 10000\n"
		 "taker_fee_bps = 0\nmarket_slippage_bps = 10000\n", &c);
	assert_int_equal(c.markets[0].maker_fee_bps, 10000);
	assert_int_equal(c.markets[0].market_slippage_bps, 10000);
}

static void test_err_steps_names_dirs(void **state)
{
	(void)state;
	expect_err("[market M]\ntick = 0\n", 2, "invalid tick");
	expect_err("[market M]\ntick = -1\n", 2, "invalid tick");
	expect_err("[market M]\nlot = abc\n", 2, "invalid lot");
	expect_err("[market M]\nlot = .5\n", 2, "invalid lot");
	expect_err("[market M]\nlot = 0.0000000000000000001\n", 2,
		   "invalid lot");
	expect_err("[market M]\nbase = SO L\n", 2, "invalid asset name");
	expect_err("[market M]\nquote = ABCDEFGHIJKLMNOPQRSTUVWX\n", 2,
		   "invalid asset name");
	expect_err("[engine]\ndemo_asset = US$\n", 2, "invalid asset name");
	char dir[300], text[400];
	memset(dir, 'd', 256);
	dir[256] = '\0';
	snprintf(text, sizeof(text), "[engine]\ndata_dir = %s\n", dir);
	expect_err(text, 2, "data_dir longer than 255");
}

static void test_err_demo_balance(void **state)
{
	(void)state;
	/* syntax and sign: at once, on the key's line */
	expect_err("[engine]\ndemo_balance = abc\n", 2, "invalid number");
	expect_err("[engine]\ndemo_balance = 1.\n", 2, "invalid number");
	expect_err("[engine]\ndemo_balance = -1\n", 2, ">= 0");
	/* precision: 7 decimals of USDC (6) refused, on the key's line */
	expect_err("[engine]\n\ndemo_balance = 0.0000001\n", 3, "decimals");
	/* precision against an asset defined later */
	expect_err("[engine]\ndemo_asset = X\ndemo_balance = 1.5\n"
		   "[asset X]\ndecimals = 0\n", 3, "decimals");
	/* too large for int64 minor units */
	expect_err("[engine]\ndemo_balance = 10000000000000\n", 2, "too large");
	expect_err("[engine]\ndemo_balance = 1e30\n", 2, "");
	/* credit without a demo asset: no USDC in the file */
	expect_err("[engine]\ndemo_balance = 1\n[asset EUR]\ndecimals = 2\n",
		   2, "demo_asset");
}

/* ---- errors: consistency ----------------------------------------------- */

static void test_err_missing_required(void **state)
{
	(void)state;
	expect_err("[asset A]\n[asset B]\ndecimals = 1\n", 1,
		   "no 'decimals'");
	expect_err("[asset A]\ndecimals = 1\n\n[asset B]\n", 4,
		   "no 'decimals'");
	expect_err("[asset A]\ndecimals = 1\n[market M]\nquote = A\n"
		   "[engine]\n", 3, "no 'base'");
	expect_err("[asset A]\ndecimals = 1\n[market M]\nbase = A\n", 3,
		   "no 'quote'");
	expect_err("[market M]\n", 1, "no 'base'");
}

static void test_err_unknown_assets(void **state)
{
	(void)state;
	expect_err("[asset A]\ndecimals = 0\n[market M]\nbase = B\nquote = A\n",
		   4, "base 'B' is not a defined");
	expect_err("[asset A]\ndecimals = 0\n[market M]\nbase = A\n\nquote = C\n",
		   6, "quote 'C' is not a defined");
	/* A file market cannot use a default asset: the lists are replaced. */
	expect_err("[market M]\nbase = SOL\nquote = USDC\n", 2,
		   "base 'SOL' is not a defined");
	/* Case-sensitive. */
	expect_err("[asset usdc]\ndecimals = 6\n[asset SOL]\ndecimals = 9\n"
		   "[market M]\nbase = SOL\nquote = USDC\n", 7,
		   "quote 'USDC'");
	/* demo_asset unknown, with default lists and with the file's lists */
	expect_err("[engine]\nmax_orders = 1\ndemo_asset = DOGE\n", 3,
		   "demo_asset 'DOGE' is not a defined");
	expect_err("[asset A]\ndecimals = 0\n[engine]\ndemo_asset = SOL\n", 4,
		   "demo_asset 'SOL'");
}

static void test_err_same_base_quote(void **state)
{
	(void)state;
	expect_err("[asset A]\ndecimals = 0\n[market M]\nquote = A\nbase = A\n",
		   4, "same base and quote");
}

static void test_err_lot_finer_than_base(void **state)
{
	(void)state;
	/* base has 2 decimals: lot 0.001 is a tenth of a minor unit */
	expect_err("[asset Q]\ndecimals = 6\n[asset B]\ndecimals = 2\n"
		   "[market B_Q]\nbase = B\nquote = Q\ntick = 1\nlot = 0.001\n",
		   9, "finer than one minor unit of B");
	/* lot 0.015 with 2 decimals: 1.5 minor units */
	expect_err("[asset Q]\ndecimals = 6\n[asset B]\ndecimals = 2\n"
		   "[market B_Q]\nbase = B\nquote = Q\nlot = 0.015\n",
		   8, "finer");
	/* too large: 2^63-1 lots of an 18-decimal asset */
	expect_err("[asset Q]\ndecimals = 0\n[asset B]\ndecimals = 18\n"
		   "[market B_Q]\nbase = B\nquote = Q\nlot = 9223372036854775807\n",
		   8, "too large");
}

static void test_err_tick_lot_not_whole(void **state)
{
	(void)state;
	/* 0.001 x 0.001 x 1e2 = 0.0001: reported on the tick line */
	expect_err("[asset Q]\ndecimals = 2\n[asset B]\ndecimals = 3\n"
		   "[market B_Q]\nbase = B\nquote = Q\ntick = 0.001\nlot = 0.001\n",
		   8, "not a whole number of Q minor units");
	/* 1.5 minor units per tick x lot */
	expect_err("[asset Q]\ndecimals = 0\n[asset B]\ndecimals = 1\n"
		   "[market B_Q]\nbase = B\nquote = Q\nlot = 0.5\ntick = 3\n",
		   9, "not a whole number");
	/* default tick: reported on the lot line */
	expect_err("[asset Q]\ndecimals = 2\n[asset B]\ndecimals = 3\n"
		   "[market B_Q]\nbase = B\nquote = Q\nlot = 0.1\n",
		   8, "not a whole number");
	/* both defaults with base decimals > 0: on the section line */
	expect_err("[asset Q]\ndecimals = 6\n[asset B]\ndecimals = 9\n\n"
		   "[market B_Q]\nbase = B\nquote = Q\n",
		   6, "tick 0.000001 x lot 0.000000001");
	/* overflow: 1e9 x 1e9 x 1e6 > INT64_MAX */
	expect_err("[asset Q]\ndecimals = 6\n[asset B]\ndecimals = 0\n"
		   "[market B_Q]\nbase = B\nquote = Q\ntick = 1000000000\n"
		   "lot = 1000000000\n", 8, "too large");
	/* 2^62 x 2^62 x 10^4 = 5^4 x 2^128: must not wrap around to 0 */
	expect_err("[asset Q]\ndecimals = 4\n[asset B]\ndecimals = 0\n"
		   "[market B_Q]\nbase = B\nquote = Q\n"
		   "tick = 4611686018427387904\nlot = 4611686018427387904\n",
		   8, "too large");
	/* exact 128-bit: 0.000000001 x 0.000000001 x 1e18 = 1 is fine */
	struct sx_config c;
	parse_ok("[asset Q]\ndecimals = 18\n[asset B]\ndecimals = 9\n"
		 "[market B_Q]\nbase = B\nquote = Q\ntick = 0.000000001\n"
		 "lot = 0.000000001\n", &c);
	assert_int_equal(c.markets[0].unit, 1);
	assert_int_equal(c.markets[0].lot_units, 1);
	/* the largest exact unit: 9223372036854775807 x 1 x 1 */
	parse_ok("[asset Q]\ndecimals = 0\n[asset B]\ndecimals = 0\n"
		 "[market B_Q]\nbase = B\nquote = Q\ntick = 9223372036854775807\n",
		 &c);
	assert_int_equal(c.markets[0].unit, INT64_MAX);
}

static void test_err_too_many(void **state)
{
	(void)state;
	size_t cap = 64 * 1024;
	char *t = malloc(cap);
	assert_non_null(t);
	size_t o = 0;
	for (int i = 0; i < 33; i++) /* asset 33 starts on line 65 */
		o += (size_t)snprintf(t + o, cap - o,
				      "[asset A%d]\ndecimals = 0\n", i);
	expect_err(t, 65, "too many assets");

	o = 0;
	o += (size_t)snprintf(t + o, cap - o,
			      "[asset A]\ndecimals = 0\n[asset B]\ndecimals = 0\n");
	for (int i = 0; i < 257; i++) /* market 257 starts on line 4+256*3+1 */
		o += (size_t)snprintf(t + o, cap - o,
				      "[market M%d]\nbase = A\nquote = B\n", i);
	expect_err(t, 4 + 256 * 3 + 1, "too many markets");
	free(t);
}

/* ---- look-ups ----------------------------------------------------------- */

static void test_find(void **state)
{
	(void)state;
	struct sx_config c;
	sx_config_defaults(&c);
	assert_int_equal(asset(&c, "USDC"), 0);
	assert_int_equal(asset(&c, "BTC"), 3);
	assert_int_equal(asset(&c, "btc"), -1);
	assert_int_equal(asset(&c, "BT"), -1);
	assert_int_equal(asset(&c, "BTCX"), -1);
	assert_int_equal(sx_config_find_asset(&c, "SOLANA", 3), 1);
	assert_int_equal(sx_config_find_asset(&c, "", 0), -1);
	assert_int_equal(sx_config_find_asset(&c, NULL, 3), -1);
	assert_int_equal(sx_config_find_asset(&c, "US\0C", 4), -1);
	assert_int_equal(market(&c, "ETH_USDC"), 1);
	assert_int_equal(market(&c, "eth_usdc"), -1);
	assert_int_equal(market(&c, "ETH"), -1);
	assert_int_equal(market(&c, "USDC"), -1);
	assert_int_equal(sx_config_find_market(&c, "BTC_USDC!", 8), 2);
}

/* ---- messages ----------------------------------------------------------- */

static void test_err_buffer_handling(void **state)
{
	(void)state;
	struct sx_config c;
	char err[8];
	memset(err, 'z', sizeof(err));
	int rc = parse("[nope]\n", &c, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "t.ini:1"); /* truncated, NUL-terminated */
	assert_int_equal(parse("[nope]\n", &c, NULL, 0), -EINVAL);
	assert_int_equal(parse("[engine]\n", &c, NULL, 0), 0);
	/* success clears a previous message */
	char big[64] = "old";
	assert_int_equal(parse("", &c, big, sizeof(big)), 0);
	assert_string_equal(big, "");
	/* long user text is shortened in messages */
	char text[6000];
	memcpy(text, "[engine]\n", 9);
	memset(text + 9, 'k', 4000);
	memcpy(text + 9 + 4000, " = 1\n", 6);
	char e2[256];
	assert_int_equal(parse(text, &c, e2, sizeof(e2)), -EINVAL);
	assert_non_null(strstr(e2, "t.ini:2: unknown key 'kkkk"));
	assert_true(strlen(e2) < 120);
	/* NULL name still gives a prefix; NULL config is refused */
	assert_int_equal(sx_config_parse(NULL, "[x]\n", 4, &c, e2, sizeof(e2)),
			 -EINVAL);
	assert_non_null(strstr(e2, ":1: unknown section"));
	assert_int_equal(sx_config_parse("n", "", 0, NULL, e2, sizeof(e2)),
			 -EINVAL);
	assert_int_equal(sx_config_parse("n", NULL, 0, &c, e2, sizeof(e2)), 0);
}

/* ---- load --------------------------------------------------------------- */

static char *write_temp(const char *data, size_t len)
{
	char *path = strdup("/tmp/sequex_test_config_XXXXXX");
	assert_non_null(path);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		assert_true(w > 0);
		off += (size_t)w;
	}
	close(fd);
	return path;
}

static void test_load_missing_file(void **state)
{
	(void)state;
	struct sx_config c;
	char err[256], want[256];
	const char *path = "/nonexistent/sequex/config.ini";
	int rc = sx_config_load(path, &c, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	assert_string_equal(err, want);
}

static void test_load_directory(void **state)
{
	(void)state;
	struct sx_config c;
	char err[256];
	int rc = sx_config_load("/tmp", &c, err, sizeof(err));
	assert_int_equal(rc, -EISDIR);
	assert_non_null(strstr(err, "/tmp: "));
}

static void test_load_valid_and_invalid_file(void **state)
{
	(void)state;
	struct sx_config c;
	char err[256];
	char *p = write_temp(full_file, sizeof(full_file) - 1);
	assert_int_equal(sx_config_load(p, &c, err, sizeof(err)), 0);
	assert_int_equal(c.nmarkets, 2);
	assert_int_equal(c.demo_balance, 250500000);
	unlink(p);
	free(p);

	static const char bad[] = "[engine]\n\nmax_orders = 0\n";
	p = write_temp(bad, sizeof(bad) - 1);
	assert_int_equal(sx_config_load(p, &c, err, sizeof(err)), -EINVAL);
	char want[128];
	snprintf(want, sizeof(want), "%s:3: ", p);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	unlink(p);
	free(p);
}

static void test_load_size_cap(void **state)
{
	(void)state;
	const size_t mib = 1u << 20;
	char *data = malloc(mib + 1);
	assert_non_null(data);
	/* exactly 1 MiB of comment lines plus a real key: accepted */
	memset(data, 'x', mib);
	for (size_t i = 0; i < mib; i += 1000) {
		data[i] = ';';
		if (i + 999 < mib)
			data[i + 999] = '\n';
	}
	static const char tail[] = "\n[engine]\nmax_orders = 8\n";
	memcpy(data + mib - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	struct sx_config c;
	char err[256];
	char *p = write_temp(data, mib);
	int rc = sx_config_load(p, &c, err, sizeof(err));
	if (rc)
		fail_msg("1 MiB file refused: %s", err);
	assert_int_equal(c.max_orders, 8);
	unlink(p);
	free(p);

	/* one byte more: refused with a clear message */
	data[mib] = '\n';
	p = write_temp(data, mib + 1);
	rc = sx_config_load(p, &c, err, sizeof(err));
	assert_int_equal(rc, -EFBIG);
	assert_int_equal(strncmp(err, p, strlen(p)), 0);
	assert_non_null(strstr(err, "too large"));
	assert_non_null(strstr(err, "1 MiB"));
	unlink(p);
	free(p);

	/* sx_config_parse applies the same cap */
	assert_int_equal(parse_n(data, mib + 1, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "1 MiB"));
	free(data);
}

/* ---- robustness --------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Mutate a valid file (byte flips, insertions of syntax characters,
 * truncations) and check every outcome is 0 or -EINVAL with a
 * "t.ini:LINE: " message, and that successes satisfy the invariants.
 * Run under ASan/UBSan this catches out-of-bounds reads and overflows.
 */
static void test_mutations_never_crash(void **state)
{
	(void)state;
	static const char alphabet[] = "[]=;# \t\r\n0123456789.-eE_aAzZ\0\x7f\xff";
	uint64_t seed = 0x9E3779B97F4A7C15u;
	char buf[2048];
	char err[256];
	struct sx_config c;
	size_t base_len = sizeof(full_file) - 1;
	unsigned ok = 0;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = base_len;
		memcpy(buf, full_file, base_len);
		int nmut = 1 + (int)(rng_next(&seed) % 4);
		for (int k = 0; k < nmut; k++) {
			size_t at = (size_t)(rng_next(&seed) % (len + 1));
			char ch = alphabet[rng_next(&seed) % (sizeof(alphabet) - 1)];
			switch (rng_next(&seed) % 4) {
			case 0: /* replace */
				if (at < len)
					buf[at] = ch;
				break;
			case 1: /* insert */
				if (len < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = ch;
					len++;
				}
				break;
			case 2: /* delete */
				if (at < len) {
					memmove(buf + at, buf + at + 1, len - at - 1);
					len--;
				}
				break;
			default: /* truncate */
				len = at;
				break;
			}
		}
		int rc = parse_n(buf, len, &c, err, sizeof(err));
		if (rc == 0) {
			ok++;
			assert_true(c.nassets >= 1 && c.nassets <= SX_MAX_ASSETS);
			assert_true(c.nmarkets <= SX_MAX_MARKETS);
			assert_true(c.demo_asset < c.nassets);
			assert_true(c.demo_balance >= 0);
			for (unsigned i = 0; i < c.nmarkets; i++) {
				const struct sx_market_cfg *m = &c.markets[i];
				assert_true(m->base < c.nassets);
				assert_true(m->quote < c.nassets);
				assert_true(m->base != m->quote);
				assert_true(m->unit >= 1 && m->lot_units >= 1);
			}
		} else {
			assert_int_equal(rc, -EINVAL);
			assert_int_equal(strncmp(err, NAME ":", 6), 0);
		}
	}
	/* Some mutations (e.g. in comments) keep the file valid. */
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_file_keeps_defaults_without_demo_balance),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_tick_and_lot_defaults),
		cmocka_unit_test(test_file_lists_replace_defaults),
		cmocka_unit_test(test_engine_only_keeps_default_lists),
		cmocka_unit_test(test_demo_asset_defined_later),
		cmocka_unit_test(test_demo_balance_values),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_crlf_and_last_line_without_newline),
		cmocka_unit_test(test_bom_accepted),
		cmocka_unit_test(test_limits_accepted),
		cmocka_unit_test(test_err_line_syntax),
		cmocka_unit_test(test_err_headers),
		cmocka_unit_test(test_err_unknown_sections),
		cmocka_unit_test(test_err_unknown_keys),
		cmocka_unit_test(test_err_duplicates),
		cmocka_unit_test(test_err_line_length_nul_control),
		cmocka_unit_test(test_err_integers),
		cmocka_unit_test(test_err_steps_names_dirs),
		cmocka_unit_test(test_err_demo_balance),
		cmocka_unit_test(test_err_missing_required),
		cmocka_unit_test(test_err_unknown_assets),
		cmocka_unit_test(test_err_same_base_quote),
		cmocka_unit_test(test_err_lot_finer_than_base),
		cmocka_unit_test(test_err_tick_lot_not_whole),
		cmocka_unit_test(test_err_too_many),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_err_buffer_handling),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_directory),
		cmocka_unit_test(test_load_valid_and_invalid_file),
		cmocka_unit_test(test_load_size_cap),
		cmocka_unit_test(test_mutations_never_crash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
