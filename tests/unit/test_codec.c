/*
 * test_codec.c - unit tests of the JSON codec (sequex/codec.h) against
 * spec/commands.md and docs/protocol-json.md.
 *
 * Decoding: every command type's happy path with every decoded field,
 * exact conversion to ticks / lots / minor units, defaults, the "which
 * error wins" order (document, reqId, type, ts, then the type's fields in
 * table order, each by syntax -> sign -> step -> range), every bad-input
 * class with its exact code / field / detail, and whether the reqId
 * survives. Encoding: replies of every command type and every event kind
 * against exact JSON text, string escaping, system account names, and the
 * buffer-size contract.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sequex/codec.h"

#define USDC 0
#define SOL 1
#define ETH 2
#define BTC 3
#define M_SOL 0
#define M_ETH 1
#define M_BTC 2

static struct sx_config cfg;
static struct sx_cmd cmd;

static int setup(void **state)
{
	(void)state;
	sx_config_defaults(&cfg);
	return 0;
}

/* ------------------------------------------------------------------ */
/* decoding helpers                                                    */

static const struct sx_cmd *dec_n(const char *s, size_t n)
{
	/* poison, so that fields the decoder must set are really set */
	memset(&cmd, 0xA5, sizeof(cmd));
	sx_codec_decode(&cfg, s, n, &cmd);
	return &cmd;
}

static const struct sx_cmd *dec(const char *s)
{
	return dec_n(s, strlen(s));
}

/* Decoded as type t; fails with the rejection otherwise. */
static void expect_type(const char *s, enum sx_cmd_type t)
{
	dec(s);
	if (cmd.type != t) {
		if (cmd.type == SX_CMD_REJECTED)
			fail_msg("%s\n  rejected: %s field %u detail %u", s,
				 sx_code_name((enum sx_code)cmd.u.rej.code), cmd.u.rej.field,
				 cmd.u.rej.detail);
		fail_msg("%s\n  decoded as type %u, want %u", s, cmd.type, t);
	}
}

static void check_rej(const char *s, enum sx_code code, enum sx_field field,
		      enum sx_detail detail, const char *reqid, uint8_t orig)
{
	if (cmd.type != SX_CMD_REJECTED)
		fail_msg("%.300s\n  accepted as type %u, want %s", s, cmd.type, sx_code_name(code));
	if (cmd.u.rej.code != code || cmd.u.rej.field != field || cmd.u.rej.detail != detail)
		fail_msg("%.300s\n  got %s field %u detail %u; want %s field %u detail %u", s,
			 sx_code_name((enum sx_code)cmd.u.rej.code), cmd.u.rej.field,
			 cmd.u.rej.detail, sx_code_name(code), field, detail);
	if (reqid) {
		size_t n = strlen(reqid);
		if (cmd.reqid_len != n || memcmp(cmd.reqid, reqid, n) != 0)
			fail_msg("%.300s\n  reqId kept as '%.*s', want '%s'", s, cmd.reqid_len,
				 cmd.reqid, reqid);
	} else if (cmd.reqid_len != 0) {
		fail_msg("%.300s\n  reqId '%.*s' kept, want none", s, cmd.reqid_len, cmd.reqid);
	}
	if (cmd.u.rej.orig_type != orig)
		fail_msg("%.300s\n  orig_type %u, want %u", s, cmd.u.rej.orig_type, orig);
}

/* Rejected with exactly code, field, detail; reqId kept as reqid (NULL:
 * none); orig_type orig. */
static void expect_rej_o(const char *s, enum sx_code code, enum sx_field field,
			 enum sx_detail detail, const char *reqid, uint8_t orig)
{
	dec(s);
	check_rej(s, code, field, detail, reqid, orig);
}

/* Most cases: a PLACE_ORDER with reqId "r" */
#define PO "{\"type\":\"PLACE_ORDER\",\"reqId\":\"r\",\"userId\":\"u\","
#define MK "\"market\":\"SOL_USDC\","
#define LIM "\"side\":\"buy\",\"orderType\":\"limit\","
static void expect_place_rej(const char *s, enum sx_code code, enum sx_field field,
			     enum sx_detail detail)
{
	expect_rej_o(s, code, field, detail, "r", SX_CMD_PLACE_ORDER);
}

/* ------------------------------------------------------------------ */
/* happy paths                                                         */

static void test_decode_funds(void **state)
{
	(void)state;
	expect_type("{\"type\":\"DEPOSIT\",\"reqId\":\"r1\",\"userId\":\"alice\",\"asset\":\"SOL\","
		    "\"amount\":\"1.5\",\"ts\":123}",
		    SX_CMD_DEPOSIT);
	assert_int_equal(cmd.reqid_len, 2);
	assert_memory_equal(cmd.reqid, "r1", 2);
	assert_int_equal(cmd.user_len, 5);
	assert_memory_equal(cmd.user, "alice", 5);
	assert_int_equal(cmd.user_hash, sx_user_hash("alice", 5));
	assert_int_equal(cmd.has_ts, 1);
	assert_int_equal(cmd.ts, 123);
	assert_int_equal(cmd.u.funds.asset, SOL);
	assert_int_equal(cmd.u.funds.amount, 1500000000);

	/* JSON number, no reqId, no ts, key order free, whitespace */
	expect_type(" {\"amount\" : 2.25 , \"asset\":\"USDC\",\t\"userId\":\"bob\",\r\n"
		    "\"type\":\"WITHDRAW\"} \n",
		    SX_CMD_WITHDRAW);
	assert_int_equal(cmd.reqid_len, 0);
	assert_int_equal(cmd.has_ts, 0);
	assert_int_equal(cmd.ts, 0);
	assert_int_equal(cmd.u.funds.asset, USDC);
	assert_int_equal(cmd.u.funds.amount, 2250000);
	assert_int_equal(cmd.user_len, 3);

	/* exponents, BTC's 8 decimals, the smallest unit */
	expect_type("{\"type\":\"DEPOSIT\",\"userId\":\"u\",\"asset\":\"BTC\",\"amount\":\"1e-8\"}",
		    SX_CMD_DEPOSIT);
	assert_int_equal(cmd.u.funds.amount, 1);
	expect_type("{\"type\":\"DEPOSIT\",\"userId\":\"u\",\"asset\":\"BTC\",\"amount\":2.5E1}",
		    SX_CMD_DEPOSIT);
	assert_int_equal(cmd.u.funds.amount, 2500000000ll);
	/* the largest amount that fits */
	expect_type("{\"type\":\"DEPOSIT\",\"userId\":\"u\",\"asset\":\"USDC\","
		    "\"amount\":\"9223372036854.775807\"}",
		    SX_CMD_DEPOSIT);
	assert_int_equal(cmd.u.funds.amount, INT64_MAX);
	/* ts as a numeric string, big */
	expect_type("{\"type\":\"DEPOSIT\",\"userId\":\"u\",\"asset\":\"ETH\",\"amount\":\"0.000000001\","
		    "\"ts\":\"1700000000000000000\"}",
		    SX_CMD_DEPOSIT);
	assert_int_equal(cmd.ts, 1700000000000000000ull);
	assert_int_equal(cmd.has_ts, 1);
	assert_int_equal(cmd.u.funds.asset, ETH);
	assert_int_equal(cmd.u.funds.amount, 1);
	/* a numeric string longer than 512 bytes, read from its text */
	static char big[1200];
	int k = snprintf(big, sizeof(big),
			 "{\"type\":\"DEPOSIT\",\"userId\":\"u\",\"asset\":\"SOL\",\"amount\":\"2.");
	memset(big + k, '0', 800);
	snprintf(big + k + 800, sizeof(big) - (size_t)k - 800, "\"}");
	expect_type(big, SX_CMD_DEPOSIT);
	assert_int_equal(cmd.u.funds.amount, 2000000000);
}

static void test_decode_place(void **state)
{
	(void)state;
	expect_type("{\"type\":\"PLACE_ORDER\",\"reqId\":\"r\",\"userId\":\"alice\",\"market\":\"SOL_USDC\","
		    "\"side\":\"sell\",\"orderType\":\"limit\",\"qty\":\"1e2\",\"price\":\"100.50\","
		    "\"tif\":\"ioc\",\"stp\":\"cancel_taker\",\"clientOrderId\":\"c-1\",\"ts\":7}",
		    SX_CMD_PLACE_ORDER);
	const struct sx_cmd_place *p = &cmd.u.place;
	assert_int_equal(p->market, M_SOL);
	assert_int_equal(p->side, SX_SELL);
	assert_int_equal(p->otype, SX_LIMIT);
	assert_int_equal(p->qty, 10000);  /* 100 SOL in lots of 0.01 */
	assert_int_equal(p->price, 10050); /* ticks of 0.01 */
	assert_int_equal(p->tif, SX_IOC);
	assert_int_equal(p->stp, SX_STP_CANCEL_TAKER);
	assert_int_equal(p->coid_len, 3);
	assert_memory_equal(p->coid, "c-1", 3);
	assert_int_equal(p->has_slippage, 0);
	assert_int_equal(cmd.ts, 7);
	assert_int_equal(cmd.user_hash, sx_user_hash("alice", 5));

	/* defaults: tif gtc, stp cancel_maker, no client id; numbers as numbers */
	expect_type("{\"type\":\"PLACE_ORDER\",\"userId\":\"u\",\"market\":\"BTC_USDC\",\"side\":\"buy\","
		    "\"orderType\":\"limit\",\"qty\":0.00001,\"price\":30000.1}",
		    SX_CMD_PLACE_ORDER);
	assert_int_equal(p->market, M_BTC);
	assert_int_equal(p->side, SX_BUY);
	assert_int_equal(p->qty, 1);
	assert_int_equal(p->price, 300001);
	assert_int_equal(p->tif, SX_GTC);
	assert_int_equal(p->stp, SX_STP_CANCEL_MAKER);
	assert_int_equal(p->coid_len, 0);
	assert_int_equal(p->has_slippage, 0);
	/* null counts as absent */
	expect_type("{\"type\":\"PLACE_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\",\"side\":\"buy\","
		    "\"orderType\":\"limit\",\"qty\":\"1\",\"price\":\"1\",\"tif\":null,\"stp\":null,"
		    "\"clientOrderId\":null,\"slippage\":null,\"ts\":null,\"reqId\":null}",
		    SX_CMD_PLACE_ORDER);
	assert_int_equal(p->tif, SX_GTC);
	assert_int_equal(p->stp, SX_STP_CANCEL_MAKER);
	assert_int_equal(p->coid_len, 0);
	assert_int_equal(cmd.has_ts, 0);
	assert_int_equal(cmd.reqid_len, 0);
	assert_int_equal(p->qty, 100);
	assert_int_equal(p->price, 100);
	/* each tif word */
	const char *tifs[] = {"gtc", "ioc", "fok", "post_only"};
	for (int i = 0; i < 4; i++) {
		char buf[256];
		snprintf(buf, sizeof(buf),
			 PO MK LIM "\"qty\":\"1\",\"price\":\"1\",\"tif\":\"%s\"}", tifs[i]);
		expect_type(buf, SX_CMD_PLACE_ORDER);
		assert_int_equal(p->tif, i);
	}
	/* market order: price not needed (and ignored), slippage read;
	 * ETH lot 0.0001 */
	expect_type("{\"type\":\"PLACE_ORDER\",\"userId\":\"u\",\"market\":\"ETH_USDC\",\"side\":\"buy\","
		    "\"orderType\":\"market\",\"qty\":\"0.0005\",\"slippage\":250}",
		    SX_CMD_PLACE_ORDER);
	assert_int_equal(p->market, M_ETH);
	assert_int_equal(p->otype, SX_MARKET);
	assert_int_equal(p->qty, 5);
	assert_int_equal(p->price, 0);
	assert_int_equal(p->has_slippage, 1);
	assert_int_equal(p->slippage_bps, 250);
	expect_type("{\"type\":\"PLACE_ORDER\",\"userId\":\"u\",\"market\":\"ETH_USDC\",\"side\":\"sell\","
		    "\"orderType\":\"market\",\"qty\":\"1\",\"slippage\":\"0\"}",
		    SX_CMD_PLACE_ORDER);
	assert_int_equal(p->has_slippage, 1);
	assert_int_equal(p->slippage_bps, 0);
	expect_type("{\"type\":\"PLACE_ORDER\",\"userId\":\"u\",\"market\":\"ETH_USDC\",\"side\":\"sell\","
		    "\"orderType\":\"market\",\"qty\":\"1\",\"slippage\":10000}",
		    SX_CMD_PLACE_ORDER);
	assert_int_equal(p->slippage_bps, 10000);
	expect_type("{\"type\":\"PLACE_ORDER\",\"userId\":\"u\",\"market\":\"ETH_USDC\",\"side\":\"sell\","
		    "\"orderType\":\"market\",\"qty\":\"1\"}",
		    SX_CMD_PLACE_ORDER);
	assert_int_equal(p->has_slippage, 0);
	/* 36-byte client id, 64-byte user id, escapes decoded */
	expect_type(PO MK LIM "\"qty\":\"1\",\"price\":\"1\","
		    "\"clientOrderId\":\"123456789012345678901234567890123456\"}",
		    SX_CMD_PLACE_ORDER);
	assert_int_equal(p->coid_len, 36);
	expect_type("{\"type\":\"CHECK_BALANCE\",\"userId\":"
		    "\"1234567890123456789012345678901234567890123456789012345678901234\"}",
		    SX_CMD_CHECK_BALANCE);
	assert_int_equal(cmd.user_len, 64);
	expect_type("{\"type\":\"CHECK_BALANCE\",\"userId\":\"\\u00e9\\\"x\\\\\\ud83d\\ude00\"}",
		    SX_CMD_CHECK_BALANCE);
	assert_int_equal(cmd.user_len, 9);
	assert_memory_equal(cmd.user, "\xc3\xa9\"x\\\xf0\x9f\x98\x80", 9);
	assert_int_equal(cmd.user_hash, sx_user_hash("\xc3\xa9\"x\\\xf0\x9f\x98\x80", 9));
	/* 64 bytes of multi-byte UTF-8 written as escapes */
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "{\"type\":\"CHECK_BALANCE\",\"userId\":\"");
	for (int i = 0; i < 32; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\\u00e9");
	snprintf(buf + n, sizeof(buf) - (size_t)n, "\"}");
	expect_type(buf, SX_CMD_CHECK_BALANCE);
	assert_int_equal(cmd.user_len, 64);
	/* an escaped key is the same key; unknown fields are ignored */
	expect_type("{\"\\u0074ype\":\"DEPOSIT\",\"user\\u0049d\":\"u\",\"asset\":\"SOL\","
		    "\"amount\":\"1\",\"foo\":{\"bar\":[1,{\"x\":null}]},\"Type\":5,\"qty\":\"zz\"}",
		    SX_CMD_DEPOSIT);
	assert_int_equal(cmd.u.funds.amount, 1000000000);
	/* escaped values of words and names */
	expect_type("{\"type\":\"PLACE_\\u004fRDER\",\"userId\":\"u\",\"market\":\"SOL\\u005fUSDC\","
		    "\"side\":\"b\\u0075y\",\"orderType\":\"limit\",\"qty\":\"\\u0031\",\"price\":\"2\"}",
		    SX_CMD_PLACE_ORDER);
	assert_int_equal(p->side, SX_BUY);
	assert_int_equal(p->qty, 100);
}

static void test_decode_orders_queries(void **state)
{
	(void)state;
	const struct sx_cmd_order *o = &cmd.u.order;
	expect_type("{\"type\":\"CANCEL_ORDER\",\"reqId\":\"c\",\"userId\":\"u\",\"market\":\"ETH_USDC\","
		    "\"orderId\":\"42\"}",
		    SX_CMD_CANCEL_ORDER);
	assert_int_equal(o->market, M_ETH);
	assert_int_equal(o->ref.order_id, 42);
	assert_int_equal(o->ref.coid_len, 0);
	assert_int_equal(cmd.reqid_len, 1);
	expect_type("{\"type\":\"CANCEL_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\",\"orderId\":42}",
		    SX_CMD_CANCEL_ORDER);
	assert_int_equal(o->ref.order_id, 42);
	expect_type("{\"type\":\"CANCEL_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\","
		    "\"orderId\":\"18446744073709551599\"}",
		    SX_CMD_CANCEL_ORDER);
	assert_int_equal(o->ref.order_id, 18446744073709551599ull);
	expect_type("{\"type\":\"CANCEL_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\","
		    "\"orderId\":\"\\u0031\\u0032\"}",
		    SX_CMD_CANCEL_ORDER);
	assert_int_equal(o->ref.order_id, 12);
	expect_type("{\"type\":\"CANCEL_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\","
		    "\"clientOrderId\":\"my-1\"}",
		    SX_CMD_CANCEL_ORDER);
	assert_int_equal(o->ref.order_id, 0);
	assert_int_equal(o->ref.coid_len, 4);
	assert_memory_equal(o->ref.coid, "my-1", 4);
	/* both: orderId wins (the client id is not even read) */
	expect_type("{\"type\":\"GET_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\","
		    "\"clientOrderId\":\"my-1\",\"orderId\":\"7\"}",
		    SX_CMD_GET_ORDER);
	assert_int_equal(o->ref.order_id, 7);
	assert_int_equal(o->ref.coid_len, 0);
	/* orderId null: the client id */
	expect_type("{\"type\":\"GET_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\","
		    "\"clientOrderId\":\"z\",\"orderId\":null}",
		    SX_CMD_GET_ORDER);
	assert_int_equal(o->ref.order_id, 0);
	assert_int_equal(o->ref.coid_len, 1);

	/* amend: qty and/or price; qty 0 allowed (cancels) */
	expect_type("{\"type\":\"AMEND_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\",\"orderId\":\"3\","
		    "\"qty\":\"0\"}",
		    SX_CMD_AMEND_ORDER);
	assert_int_equal(o->has_qty, 1);
	assert_int_equal(o->qty, 0);
	assert_int_equal(o->has_price, 0);
	assert_int_equal(o->ref.order_id, 3);
	expect_type("{\"type\":\"AMEND_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\",\"orderId\":\"3\","
		    "\"price\":\"99.99\"}",
		    SX_CMD_AMEND_ORDER);
	assert_int_equal(o->has_qty, 0);
	assert_int_equal(o->has_price, 1);
	assert_int_equal(o->price, 9999);
	expect_type("{\"type\":\"AMEND_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\","
		    "\"clientOrderId\":\"k\",\"qty\":1.5,\"price\":100}",
		    SX_CMD_AMEND_ORDER);
	assert_int_equal(o->has_qty, 1);
	assert_int_equal(o->qty, 150);
	assert_int_equal(o->price, 10000);
	assert_int_equal(o->ref.coid_len, 1);

	expect_type("{\"type\":\"CHECK_BALANCE\",\"userId\":\"alice\"}", SX_CMD_CHECK_BALANCE);
	assert_int_equal(cmd.user_len, 5);
	expect_type("{\"type\":\"CHECK_OPEN_ORDERS\",\"userId\":\"alice\",\"reqId\":\"q\"}",
		    SX_CMD_CHECK_OPEN_ORDERS);
	assert_int_equal(cmd.user_len, 5);
	assert_int_equal(cmd.reqid_len, 1);

	expect_type("{\"type\":\"GET_DEPTH\",\"market\":\"BTC_USDC\"}", SX_CMD_GET_DEPTH);
	assert_int_equal(cmd.u.depth.market, M_BTC);
	assert_int_equal(cmd.u.depth.levels, 20);
	assert_int_equal(cmd.user_len, 0);
	expect_type("{\"type\":\"GET_DEPTH\",\"market\":\"SOL_USDC\",\"levels\":\"7\"}", SX_CMD_GET_DEPTH);
	assert_int_equal(cmd.u.depth.levels, 7);
	expect_type("{\"type\":\"GET_DEPTH\",\"market\":\"SOL_USDC\",\"levels\":1000}", SX_CMD_GET_DEPTH);
	assert_int_equal(cmd.u.depth.levels, 1000);
	expect_type("{\"type\":\"GET_DEPTH\",\"market\":\"SOL_USDC\",\"levels\":null}", SX_CMD_GET_DEPTH);
	assert_int_equal(cmd.u.depth.levels, 20);

	expect_type("{\"type\":\"QUOTE\",\"market\":\"SOL_USDC\",\"side\":\"sell\",\"qty\":\"7\"}",
		    SX_CMD_QUOTE);
	assert_int_equal(cmd.u.quote.market, M_SOL);
	assert_int_equal(cmd.u.quote.side, SX_SELL);
	assert_int_equal(cmd.u.quote.qty, 700);
	/* a userId on a query that takes none is ignored, not an error */
	expect_type("{\"type\":\"QUOTE\",\"userId\":5,\"market\":\"SOL_USDC\",\"side\":\"buy\",\"qty\":1}",
		    SX_CMD_QUOTE);
}

/* ------------------------------------------------------------------ */
/* the document                                                        */

static void test_decode_document(void **state)
{
	(void)state;
	/* not JSON */
	expect_rej_o("", SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_JSON, NULL, 0);
	expect_rej_o("{", SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_JSON, NULL, 0);
	expect_rej_o("{\"type\":\"DEPOSIT\",}", SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_JSON, NULL, 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"QUOTE\",\"qty\":NaN}", SX_INVALID_COMMAND, SX_F_NONE,
		     SX_D_NOT_JSON, NULL, 0);
	expect_rej_o("{\"reqId\":\"r\",\"qty\":Infinity}", SX_INVALID_COMMAND, SX_F_NONE,
		     SX_D_NOT_JSON, NULL, 0);
	expect_rej_o("{\"reqId\":\"r\"} x", SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_JSON, NULL, 0);
	expect_rej_o("{'reqId':'r'}", SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_JSON, NULL, 0);
	/* invalid UTF-8 inside a string */
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"CHECK_BALANCE\",\"userId\":\"a\xff\"}",
		     SX_INVALID_COMMAND, SX_F_NONE, SX_D_BAD_UTF8, NULL, 0);
	expect_rej_o("{\"reqId\":\"r\",\"userId\":\"\xc0\xaf\"}", SX_INVALID_COMMAND, SX_F_NONE,
		     SX_D_BAD_UTF8, NULL, 0);
	expect_rej_o("{\"reqId\":\"r\",\"userId\":\"\xed\xa0\x80\"}", SX_INVALID_COMMAND, SX_F_NONE,
		     SX_D_BAD_UTF8, NULL, 0);
	/* depth: 8 is fine, 9 is not */
	expect_type("{\"type\":\"GET_DEPTH\",\"market\":\"SOL_USDC\",\"x\":[[[[[[[1]]]]]]]}",
		    SX_CMD_GET_DEPTH);
	expect_rej_o("{\"type\":\"GET_DEPTH\",\"market\":\"SOL_USDC\",\"x\":[[[[[[[[1]]]]]]]]}",
		     SX_INVALID_COMMAND, SX_F_NONE, SX_D_TOO_DEEP, NULL, 0);
	expect_rej_o("{\"reqId\":\"r\",\"x\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}}",
		     SX_INVALID_COMMAND, SX_F_NONE, SX_D_TOO_DEEP, NULL, 0);
	/* not an object */
	expect_rej_o("[{\"type\":\"CHECK_BALANCE\",\"userId\":\"u\"}]", SX_INVALID_COMMAND, SX_F_NONE,
		     SX_D_NOT_OBJECT, NULL, 0);
	expect_rej_o("\"CHECK_BALANCE\"", SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_OBJECT, NULL, 0);
	expect_rej_o("42", SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_OBJECT, NULL, 0);
	expect_rej_o("null", SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_OBJECT, NULL, 0);

	/* size: exactly 64 KiB is fine, one byte more is not */
	size_t cap = SX_LINE_MAX + 2;
	char *big = malloc(cap);
	assert_non_null(big);
	const char *head = "{\"type\":\"CHECK_BALANCE\",\"reqId\":\"r\",\"userId\":\"u\",\"pad\":\"";
	size_t hl = strlen(head);
	memcpy(big, head, hl);
	memset(big + hl, 'x', SX_LINE_MAX - hl - 2);
	memcpy(big + SX_LINE_MAX - 2, "\"}", 2);
	dec_n(big, SX_LINE_MAX);
	assert_int_equal(cmd.type, SX_CMD_CHECK_BALANCE);
	memset(big + hl, 'x', SX_LINE_MAX + 1 - hl - 2);
	memcpy(big + SX_LINE_MAX + 1 - 2, "\"}", 2);
	dec_n(big, SX_LINE_MAX + 1);
	check_rej("(65537 bytes)", SX_INVALID_COMMAND, SX_F_NONE, SX_D_TOO_LARGE, NULL, 0);
	free(big);

	/* 64 members are fine, 65 are too many */
	char buf[2048];
	int n = snprintf(buf, sizeof(buf), "{\"type\":\"CHECK_BALANCE\",\"reqId\":\"r\",\"userId\":\"u\"");
	for (int i = 0; i < 61; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ",\"f%d\":%d", i, i);
	snprintf(buf + n, sizeof(buf) - (size_t)n, "}");
	expect_type(buf, SX_CMD_CHECK_BALANCE);
	snprintf(buf + n, sizeof(buf) - (size_t)n, ",\"f61\":1}");
	expect_rej_o(buf, SX_INVALID_COMMAND, SX_F_NONE, SX_D_TOO_MANY_FIELDS, NULL, 0);

	/* a known key twice: rejected, and no reqId can be trusted (docs) */
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"CHECK_BALANCE\",\"userId\":\"u\",\"userId\":\"v\"}",
		     SX_INVALID_COMMAND, SX_F_NONE, SX_D_DUPLICATE_KEY, NULL, 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"CHECK_BALANCE\",\"userId\":\"u\",\"\\u0074ype\":\"X\"}",
		     SX_INVALID_COMMAND, SX_F_NONE, SX_D_DUPLICATE_KEY, NULL, 0);
	expect_rej_o("{\"reqId\":\"r\",\"reqId\":\"r\",\"type\":\"CHECK_BALANCE\",\"userId\":\"u\"}",
		     SX_INVALID_COMMAND, SX_F_NONE, SX_D_DUPLICATE_KEY, NULL, 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"CHECK_BALANCE\",\"userId\":\"u\",\"tif\":null,"
		     "\"tif\":null}",
		     SX_INVALID_COMMAND, SX_F_NONE, SX_D_DUPLICATE_KEY, NULL, 0);
	/* an unknown key twice is ignored; keys are case-sensitive */
	expect_type("{\"type\":\"CHECK_BALANCE\",\"userId\":\"u\",\"x\":1,\"x\":2,\"USERID\":3,"
		    "\"UserId\":4}",
		    SX_CMD_CHECK_BALANCE);
}

/* ------------------------------------------------------------------ */
/* reqId, type, ts                                                     */

static void test_decode_envelope(void **state)
{
	(void)state;
	/* reqId: wrong type, empty, too long, NUL -> INVALID_COMMAND, none kept */
	expect_rej_o("{\"reqId\":5,\"type\":\"CHECK_BALANCE\",\"userId\":\"u\"}", SX_INVALID_COMMAND,
		     SX_F_REQID, SX_D_WRONG_TYPE, NULL, 0);
	expect_rej_o("{\"reqId\":[\"r\"],\"type\":\"CHECK_BALANCE\",\"userId\":\"u\"}",
		     SX_INVALID_COMMAND, SX_F_REQID, SX_D_WRONG_TYPE, NULL, 0);
	expect_rej_o("{\"reqId\":\"\",\"type\":\"CHECK_BALANCE\",\"userId\":\"u\"}", SX_INVALID_COMMAND,
		     SX_F_REQID, SX_D_EMPTY, NULL, 0);
	expect_rej_o("{\"reqId\":\"12345678901234567890123456789012345678901234567890123456789012345\","
		     "\"type\":\"CHECK_BALANCE\",\"userId\":\"u\"}",
		     SX_INVALID_COMMAND, SX_F_REQID, SX_D_TOO_LONG, NULL, 0);
	expect_rej_o("{\"reqId\":\"a\\u0000b\",\"type\":\"CHECK_BALANCE\",\"userId\":\"u\"}",
		     SX_INVALID_COMMAND, SX_F_REQID, SX_D_NUL, NULL, 0);
	/* reqId before type: a bad reqId wins over a missing type */
	expect_rej_o("{\"reqId\":true}", SX_INVALID_COMMAND, SX_F_REQID, SX_D_WRONG_TYPE, NULL, 0);
	/* 64 bytes is fine and kept, with escapes decoded */
	expect_type("{\"reqId\":\"1234567890123456789012345678901234567890123456789012345678901234\","
		    "\"type\":\"CHECK_BALANCE\",\"userId\":\"u\"}",
		    SX_CMD_CHECK_BALANCE);
	assert_int_equal(cmd.reqid_len, 64);
	expect_type("{\"reqId\":\"a\\\"b\\n\",\"type\":\"CHECK_BALANCE\",\"userId\":\"u\"}",
		    SX_CMD_CHECK_BALANCE);
	assert_int_equal(cmd.reqid_len, 4);
	assert_memory_equal(cmd.reqid, "a\"b\n", 4);

	/* type: from here on the reqId is kept */
	expect_rej_o("{\"reqId\":\"r\",\"userId\":\"u\"}", SX_MISSING_FIELD, SX_F_TYPE, SX_D_MISSING,
		     "r", 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":null}", SX_MISSING_FIELD, SX_F_TYPE, SX_D_MISSING,
		     "r", 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":3}", SX_INVALID_COMMAND, SX_F_TYPE,
		     SX_D_WRONG_TYPE, "r", 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"deposit\"}", SX_UNKNOWN_TYPE, SX_F_TYPE,
		     SX_D_UNKNOWN_VALUE, "r", 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"\"}", SX_UNKNOWN_TYPE, SX_F_TYPE,
		     SX_D_UNKNOWN_VALUE, "r", 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"CREATE_ORDER\",\"userId\":\"u\"}", SX_UNKNOWN_TYPE,
		     SX_F_TYPE, SX_D_UNKNOWN_VALUE, "r", 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"DEPOSIT \"}", SX_UNKNOWN_TYPE, SX_F_TYPE,
		     SX_D_UNKNOWN_VALUE, "r", 0);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"REJECTED\"}", SX_UNKNOWN_TYPE, SX_F_TYPE,
		     SX_D_UNKNOWN_VALUE, "r", 0);
	/* every type name is recognised (orig_type of a later rejection) */
	const char *names[] = {"DEPOSIT", "WITHDRAW", "PLACE_ORDER", "CANCEL_ORDER", "AMEND_ORDER",
			       "CHECK_BALANCE", "CHECK_OPEN_ORDERS", "GET_ORDER", "GET_DEPTH",
			       "QUOTE"};
	for (unsigned t = 1; t < SX_CMD_TYPE_COUNT; t++) {
		char buf[128];
		snprintf(buf, sizeof(buf), "{\"reqId\":\"r\",\"type\":\"%s\",\"ts\":-1}", names[t - 1]);
		expect_rej_o(buf, SX_INVALID_NUMBER, SX_F_TS, SX_D_NEGATIVE, "r", (uint8_t)t);
	}

	/* ts: after type, before the type's fields */
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"DEPOSIT\",\"ts\":\"x\"}", SX_INVALID_NUMBER, SX_F_TS,
		     SX_D_SYNTAX, "r", SX_CMD_DEPOSIT);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"DEPOSIT\",\"ts\":true}", SX_INVALID_NUMBER, SX_F_TS,
		     SX_D_WRONG_TYPE, "r", SX_CMD_DEPOSIT);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"DEPOSIT\",\"ts\":-5}", SX_INVALID_NUMBER, SX_F_TS,
		     SX_D_NEGATIVE, "r", SX_CMD_DEPOSIT);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"DEPOSIT\",\"ts\":9223372036854775808}",
		     SX_INVALID_NUMBER, SX_F_TS, SX_D_OVERFLOW, "r", SX_CMD_DEPOSIT);
	/* a valid ts is read even when the command is rejected (the engine's
	 * clock is the latest command's ts, accepted or rejected) */
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"NOPE\",\"ts\":55}", SX_UNKNOWN_TYPE, SX_F_TYPE,
		     SX_D_UNKNOWN_VALUE, "r", 0);
	assert_int_equal(cmd.has_ts, 1);
	assert_int_equal(cmd.ts, 55);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"DEPOSIT\",\"userId\":\"u\",\"userId\":\"v\","
		     "\"ts\":\"56\"}",
		     SX_INVALID_COMMAND, SX_F_NONE, SX_D_DUPLICATE_KEY, NULL, 0);
	assert_int_equal(cmd.has_ts, 1);
	assert_int_equal(cmd.ts, 56);
	expect_rej_o("{\"reqId\":7,\"ts\":57}", SX_INVALID_COMMAND, SX_F_REQID, SX_D_WRONG_TYPE,
		     NULL, 0);
	assert_int_equal(cmd.ts, 57);
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"DEPOSIT\",\"userId\":\"\",\"ts\":58}",
		     SX_INVALID_COMMAND, SX_F_USERID, SX_D_EMPTY, "r", SX_CMD_DEPOSIT);
	assert_int_equal(cmd.ts, 58);
	assert_int_equal(cmd.has_ts, 1);
	/* an invalid ts takes its place in the order (after type) */
	expect_rej_o("{\"reqId\":\"r\",\"type\":\"NOPE\",\"ts\":-1}", SX_UNKNOWN_TYPE, SX_F_TYPE,
		     SX_D_UNKNOWN_VALUE, "r", 0);
	assert_int_equal(cmd.has_ts, 0);
	assert_int_equal(cmd.ts, 0);
	expect_rej_o("{\"ts\":5,", SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_JSON, NULL, 0);
	assert_int_equal(cmd.has_ts, 0);
	expect_type("{\"type\":\"CHECK_BALANCE\",\"userId\":\"u\",\"ts\":0}", SX_CMD_CHECK_BALANCE);
	assert_int_equal(cmd.has_ts, 1);
	assert_int_equal(cmd.ts, 0);
	expect_type("{\"type\":\"CHECK_BALANCE\",\"userId\":\"u\",\"ts\":9223372036854775807}",
		    SX_CMD_CHECK_BALANCE);
	assert_int_equal(cmd.ts, 9223372036854775807ull);
	expect_type("{\"type\":\"CHECK_BALANCE\",\"userId\":\"u\",\"ts\":1.7e18}", SX_CMD_CHECK_BALANCE);
	assert_int_equal(cmd.ts, 1700000000000000000ull);
}

/* ------------------------------------------------------------------ */
/* the type's fields                                                   */

static void test_decode_identifiers(void **state)
{
	(void)state;
	const char *U = "{\"type\":\"CHECK_BALANCE\",\"reqId\":\"r\",\"userId\":";
	char buf[512];
#define WITH_USER(v) (snprintf(buf, sizeof(buf), "%s%s}", U, v), buf)
	expect_rej_o(WITH_USER("null"), SX_MISSING_FIELD, SX_F_USERID, SX_D_MISSING, "r",
		     SX_CMD_CHECK_BALANCE);
	expect_rej_o("{\"type\":\"CHECK_BALANCE\",\"reqId\":\"r\"}", SX_MISSING_FIELD, SX_F_USERID,
		     SX_D_MISSING, "r", SX_CMD_CHECK_BALANCE);
	expect_rej_o(WITH_USER("\"\""), SX_INVALID_COMMAND, SX_F_USERID, SX_D_EMPTY, "r",
		     SX_CMD_CHECK_BALANCE);
	expect_rej_o(WITH_USER("\"12345678901234567890123456789012345678901234567890123456789012345\""),
		     SX_INVALID_COMMAND, SX_F_USERID, SX_D_TOO_LONG, "r", SX_CMD_CHECK_BALANCE);
	expect_rej_o(WITH_USER("7"), SX_INVALID_COMMAND, SX_F_USERID, SX_D_WRONG_TYPE, "r",
		     SX_CMD_CHECK_BALANCE);
	expect_rej_o(WITH_USER("false"), SX_INVALID_COMMAND, SX_F_USERID, SX_D_WRONG_TYPE, "r",
		     SX_CMD_CHECK_BALANCE);
	expect_rej_o(WITH_USER("{\"id\":\"u\"}"), SX_INVALID_COMMAND, SX_F_USERID, SX_D_WRONG_TYPE,
		     "r", SX_CMD_CHECK_BALANCE);
	expect_rej_o(WITH_USER("\"\\u0000\""), SX_INVALID_COMMAND, SX_F_USERID, SX_D_NUL, "r",
		     SX_CMD_CHECK_BALANCE);
	expect_rej_o(WITH_USER("\"ab\\u0000cd\""), SX_INVALID_COMMAND, SX_F_USERID, SX_D_NUL, "r",
		     SX_CMD_CHECK_BALANCE);
	/* 65 bytes only once escapes are decoded: 33 x U+00E9 */
	int n = snprintf(buf, sizeof(buf), "%s\"", U);
	for (int i = 0; i < 33; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "\\u00e9");
	snprintf(buf + n, sizeof(buf) - (size_t)n, "\"}");
	expect_rej_o(buf, SX_INVALID_COMMAND, SX_F_USERID, SX_D_TOO_LONG, "r", SX_CMD_CHECK_BALANCE);
#undef WITH_USER

	/* clientOrderId: 37 bytes, empty, wrong type, NUL */
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,"
			 "\"clientOrderId\":\"1234567890123456789012345678901234567\"}",
			 SX_INVALID_COMMAND, SX_F_CLIENTORDERID, SX_D_TOO_LONG);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"clientOrderId\":\"\"}", SX_INVALID_COMMAND,
			 SX_F_CLIENTORDERID, SX_D_EMPTY);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"clientOrderId\":17}", SX_INVALID_COMMAND,
			 SX_F_CLIENTORDERID, SX_D_WRONG_TYPE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"clientOrderId\":\"x\\u0000\"}",
			 SX_INVALID_COMMAND, SX_F_CLIENTORDERID, SX_D_NUL);
	/* stp: an identifier without its own code */
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"stp\":\"cancel_both\"}", SX_INVALID_COMMAND,
			 SX_F_STP, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"stp\":1}", SX_INVALID_COMMAND, SX_F_STP,
			 SX_D_WRONG_TYPE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"stp\":\"\"}", SX_INVALID_COMMAND, SX_F_STP,
			 SX_D_EMPTY);

	/* names with their own code, for a wrong type too */
	expect_place_rej(PO "\"market\":\"sol_usdc\"," LIM "\"qty\":1,\"price\":1}", SX_UNKNOWN_MARKET,
			 SX_F_MARKET, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO "\"market\":\"SOL_USDC_SOL_USDC_SOL_USDC_SOL_USDC\"," LIM
			    "\"qty\":1,\"price\":1}",
			 SX_UNKNOWN_MARKET, SX_F_MARKET, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO "\"market\":0," LIM "\"qty\":1,\"price\":1}", SX_UNKNOWN_MARKET,
			 SX_F_MARKET, SX_D_WRONG_TYPE);
	expect_place_rej(PO "\"market\":\"\"," LIM "\"qty\":1,\"price\":1}", SX_UNKNOWN_MARKET,
			 SX_F_MARKET, SX_D_EMPTY);
	expect_place_rej(PO LIM "\"qty\":1,\"price\":1}", SX_MISSING_FIELD, SX_F_MARKET, SX_D_MISSING);
	expect_place_rej(PO MK "\"side\":\"BUY\",\"orderType\":\"limit\",\"qty\":1,\"price\":1}",
			 SX_INVALID_SIDE, SX_F_SIDE, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO MK "\"side\":true,\"orderType\":\"limit\",\"qty\":1,\"price\":1}",
			 SX_INVALID_SIDE, SX_F_SIDE, SX_D_WRONG_TYPE);
	expect_place_rej(PO MK "\"side\":\"buy_and_sell_and_more_words\",\"orderType\":\"limit\"}",
			 SX_INVALID_SIDE, SX_F_SIDE, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO MK "\"side\":\"buy\",\"orderType\":\"stop\",\"qty\":1,\"price\":1}",
			 SX_INVALID_ORDER_TYPE, SX_F_ORDERTYPE, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO MK "\"side\":\"buy\",\"orderType\":[],\"qty\":1,\"price\":1}",
			 SX_INVALID_ORDER_TYPE, SX_F_ORDERTYPE, SX_D_WRONG_TYPE);
	expect_place_rej(PO MK "\"side\":\"buy\",\"qty\":1,\"price\":1}", SX_MISSING_FIELD,
			 SX_F_ORDERTYPE, SX_D_MISSING);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"tif\":\"day\"}", SX_INVALID_TIF, SX_F_TIF,
			 SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"tif\":{}}", SX_INVALID_TIF, SX_F_TIF,
			 SX_D_WRONG_TYPE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"tif\":\"GTC\"}", SX_INVALID_TIF, SX_F_TIF,
			 SX_D_UNKNOWN_VALUE);
	expect_rej_o("{\"type\":\"DEPOSIT\",\"reqId\":\"r\",\"userId\":\"u\",\"asset\":\"DOGE\",\"amount\":1}",
		     SX_UNKNOWN_ASSET, SX_F_ASSET, SX_D_UNKNOWN_VALUE, "r", SX_CMD_DEPOSIT);
	expect_rej_o("{\"type\":\"DEPOSIT\",\"reqId\":\"r\",\"userId\":\"u\",\"asset\":1,\"amount\":1}",
		     SX_UNKNOWN_ASSET, SX_F_ASSET, SX_D_WRONG_TYPE, "r", SX_CMD_DEPOSIT);
	expect_rej_o("{\"type\":\"DEPOSIT\",\"reqId\":\"r\",\"userId\":\"u\",\"amount\":1}",
		     SX_MISSING_FIELD, SX_F_ASSET, SX_D_MISSING, "r", SX_CMD_DEPOSIT);

	/* orderId forms */
	const char *C = "{\"type\":\"CANCEL_ORDER\",\"reqId\":\"r\",\"userId\":\"u\",\"market\":\"SOL_USDC\",";
	const char *bad_ids[] = {"\"0\"", "0", "\"07\"", "\"-1\"", "-1", "\"abc\"", "1.5", "\"1.0\"",
				 "\"\"", "\" 1\"", "\"18446744073709551616\"", "1e2",
				 "\"123456789012345678901\""};
	for (size_t i = 0; i < SX_ARRAY_LEN(bad_ids); i++) {
		snprintf(buf, sizeof(buf), "%s\"orderId\":%s}", C, bad_ids[i]);
		expect_rej_o(buf, SX_UNKNOWN_ORDER, SX_F_ORDERID, SX_D_UNKNOWN_VALUE, "r",
			     SX_CMD_CANCEL_ORDER);
	}
	const char *wrong_ids[] = {"true", "[1]", "{\"id\":1}"};
	for (size_t i = 0; i < SX_ARRAY_LEN(wrong_ids); i++) {
		snprintf(buf, sizeof(buf), "%s\"orderId\":%s}", C, wrong_ids[i]);
		expect_rej_o(buf, SX_INVALID_COMMAND, SX_F_ORDERID, SX_D_WRONG_TYPE, "r",
			     SX_CMD_CANCEL_ORDER);
	}
	snprintf(buf, sizeof(buf), "%s\"orderId\":null}", C);
	expect_rej_o(buf, SX_MISSING_FIELD, SX_F_ORDERID, SX_D_MISSING, "r", SX_CMD_CANCEL_ORDER);
	snprintf(buf, sizeof(buf), "%s\"clientOrderId\":\"\"}", C);
	expect_rej_o(buf, SX_INVALID_COMMAND, SX_F_CLIENTORDERID, SX_D_EMPTY, "r",
		     SX_CMD_CANCEL_ORDER);
	/* a bad orderId wins over a bad client id (orderId wins) */
	snprintf(buf, sizeof(buf), "%s\"orderId\":\"x\",\"clientOrderId\":5}", C);
	expect_rej_o(buf, SX_UNKNOWN_ORDER, SX_F_ORDERID, SX_D_UNKNOWN_VALUE, "r",
		     SX_CMD_CANCEL_ORDER);
}

static void test_decode_numbers(void **state)
{
	(void)state;
	/* syntax (JSON number grammar, also inside strings) */
	const char *syntax[] = {"\"+1\"", "\".5\"", "\"01\"", "\"1.\"", "\" 1\"", "\"1 \"", "\"\"",
				"\"NaN\"", "\"1e\"", "\"0x10\"", "\"1,5\"", "\"--1\"", "\"-\"",
				"\"1.2.3\"", "\"Infinity\"", "\"-abc\""};
	char buf[512];
	for (size_t i = 0; i < SX_ARRAY_LEN(syntax); i++) {
		snprintf(buf, sizeof(buf), PO MK LIM "\"qty\":%s,\"price\":\"x\"}", syntax[i]);
		expect_place_rej(buf, SX_INVALID_NUMBER, SX_F_QTY, SX_D_SYNTAX);
	}
	/* not a number or string */
	const char *types[] = {"true", "false", "[1]", "{\"v\":1}"};
	for (size_t i = 0; i < SX_ARRAY_LEN(types); i++) {
		snprintf(buf, sizeof(buf), PO MK LIM "\"qty\":%s,\"price\":1}", types[i]);
		expect_place_rej(buf, SX_INVALID_NUMBER, SX_F_QTY, SX_D_WRONG_TYPE);
	}
	expect_place_rej(PO MK LIM "\"price\":1}", SX_MISSING_FIELD, SX_F_QTY, SX_D_MISSING);
	expect_place_rej(PO MK LIM "\"qty\":null,\"price\":1}", SX_MISSING_FIELD, SX_F_QTY,
			 SX_D_MISSING);
	/* sign -> the field's code; before step and range */
	expect_place_rej(PO MK LIM "\"qty\":\"-1.005\",\"price\":1}", SX_INVALID_QUANTITY, SX_F_QTY,
			 SX_D_NEGATIVE);
	expect_place_rej(PO MK LIM "\"qty\":-1e300,\"price\":1}", SX_INVALID_QUANTITY, SX_F_QTY,
			 SX_D_NEGATIVE);
	expect_place_rej(PO MK LIM "\"qty\":0,\"price\":1}", SX_INVALID_QUANTITY, SX_F_QTY,
			 SX_D_NOT_POSITIVE);
	expect_place_rej(PO MK LIM "\"qty\":\"-0\",\"price\":1}", SX_INVALID_QUANTITY, SX_F_QTY,
			 SX_D_NOT_POSITIVE);
	expect_place_rej(PO MK LIM "\"qty\":\"0.000e5\",\"price\":1}", SX_INVALID_QUANTITY, SX_F_QTY,
			 SX_D_NOT_POSITIVE);
	/* step */
	expect_place_rej(PO MK LIM "\"qty\":\"1.005\",\"price\":1}", SX_INVALID_PRECISION, SX_F_QTY,
			 SX_D_NOT_MULTIPLE);
	expect_place_rej(PO MK LIM "\"qty\":1e-3,\"price\":1}", SX_INVALID_PRECISION, SX_F_QTY,
			 SX_D_NOT_MULTIPLE);
	/* step before range: too large and not a multiple */
	expect_place_rej(PO MK LIM "\"qty\":\"100000000000000000000.001\",\"price\":1}",
			 SX_INVALID_PRECISION, SX_F_QTY, SX_D_NOT_MULTIPLE);
	/* range */
	expect_place_rej(PO MK LIM "\"qty\":\"1e30\",\"price\":1}", SX_INVALID_NUMBER, SX_F_QTY,
			 SX_D_OVERFLOW);
	/* the range of a quantity: its base minor units fit 64 bits (SOL: 1e7
	 * per lot, so at most 922337203685 lots); a price: one lot's notional
	 * in quote minor units fits (100 per tick) */
	expect_place_rej(PO MK LIM "\"qty\":\"9223372036.86\",\"price\":1}", SX_INVALID_NUMBER,
			 SX_F_QTY, SX_D_OVERFLOW);
	expect_type(PO MK LIM "\"qty\":\"9223372036.85\",\"price\":1}", SX_CMD_PLACE_ORDER);
	assert_int_equal(cmd.u.place.qty, 922337203685);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":\"922337203685477.59\"}", SX_INVALID_NUMBER,
			 SX_F_PRICE, SX_D_OVERFLOW);
	expect_type(PO MK LIM "\"qty\":1,\"price\":\"922337203685477.58\"}", SX_CMD_PLACE_ORDER);
	assert_int_equal(cmd.u.place.price, 92233720368547758);
	/* field order: qty before price, price before tif, tif before stp */
	expect_place_rej(PO MK LIM "\"price\":\"-1\",\"qty\":\"1.001\"}", SX_INVALID_PRECISION,
			 SX_F_QTY, SX_D_NOT_MULTIPLE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":\"abc\",\"tif\":\"x\"}", SX_INVALID_NUMBER,
			 SX_F_PRICE, SX_D_SYNTAX);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":\"-100.001\"}", SX_INVALID_PRICE, SX_F_PRICE,
			 SX_D_NEGATIVE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":\"0\"}", SX_INVALID_PRICE, SX_F_PRICE,
			 SX_D_NOT_POSITIVE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":\"100.001\"}", SX_INVALID_PRECISION,
			 SX_F_PRICE, SX_D_NOT_MULTIPLE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1e100}", SX_INVALID_NUMBER, SX_F_PRICE,
			 SX_D_OVERFLOW);
	expect_place_rej(PO MK LIM "\"qty\":1,\"tif\":\"x\"}", SX_MISSING_FIELD, SX_F_PRICE,
			 SX_D_MISSING);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"tif\":\"x\",\"stp\":\"x\"}", SX_INVALID_TIF,
			 SX_F_TIF, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO MK LIM "\"qty\":1,\"price\":1,\"stp\":\"x\",\"clientOrderId\":\"\"}",
			 SX_INVALID_COMMAND, SX_F_STP, SX_D_UNKNOWN_VALUE);
	/* and the earlier fields before all of them */
	expect_place_rej("{\"type\":\"PLACE_ORDER\",\"reqId\":\"r\",\"market\":\"X\",\"side\":\"x\"}",
			 SX_MISSING_FIELD, SX_F_USERID, SX_D_MISSING);
	expect_place_rej(PO "\"market\":\"X\",\"side\":\"x\",\"orderType\":\"x\"}", SX_UNKNOWN_MARKET,
			 SX_F_MARKET, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO MK "\"side\":\"x\",\"orderType\":\"x\",\"qty\":\"x\"}", SX_INVALID_SIDE,
			 SX_F_SIDE, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO MK "\"side\":\"buy\",\"orderType\":\"x\",\"qty\":\"x\"}",
			 SX_INVALID_ORDER_TYPE, SX_F_ORDERTYPE, SX_D_UNKNOWN_VALUE);
	expect_place_rej(PO MK "\"side\":\"buy\",\"orderType\":\"limit\",\"qty\":\"x\",\"price\":\"x\"}",
			 SX_INVALID_NUMBER, SX_F_QTY, SX_D_SYNTAX);

	/* market orders: slippage after tif, a non-negative integer <= 10000 */
	const char *MO = PO MK "\"side\":\"sell\",\"orderType\":\"market\",\"qty\":1,";
	snprintf(buf, sizeof(buf), "%s\"slippage\":-1}", MO);
	expect_place_rej(buf, SX_INVALID_NUMBER, SX_F_SLIPPAGE, SX_D_NEGATIVE);
	snprintf(buf, sizeof(buf), "%s\"slippage\":\"1.5\"}", MO);
	expect_place_rej(buf, SX_INVALID_PRECISION, SX_F_SLIPPAGE, SX_D_NOT_MULTIPLE);
	snprintf(buf, sizeof(buf), "%s\"slippage\":10001}", MO);
	expect_place_rej(buf, SX_INVALID_NUMBER, SX_F_SLIPPAGE, SX_D_OUT_OF_RANGE);
	snprintf(buf, sizeof(buf), "%s\"slippage\":\"x\"}", MO);
	expect_place_rej(buf, SX_INVALID_NUMBER, SX_F_SLIPPAGE, SX_D_SYNTAX);
	/* a market order ignores tif (docs/protocol-json.md): slippage decides */
	snprintf(buf, sizeof(buf), "%s\"slippage\":-1,\"tif\":\"x\"}", MO);
	expect_place_rej(buf, SX_INVALID_NUMBER, SX_F_SLIPPAGE, SX_D_NEGATIVE);
	snprintf(buf, sizeof(buf), "%s\"tif\":\"x\"}", MO);
	expect_type(buf, SX_CMD_PLACE_ORDER);
	snprintf(buf, sizeof(buf), "%s\"slippage\":-1,\"stp\":\"x\"}", MO);
	expect_place_rej(buf, SX_INVALID_NUMBER, SX_F_SLIPPAGE, SX_D_NEGATIVE);
	/* a limit order ignores slippage */
	expect_type(PO MK LIM "\"qty\":1,\"price\":1,\"slippage\":\"junk\"}", SX_CMD_PLACE_ORDER);

	/* DEPOSIT / WITHDRAW amount */
	const char *D = "{\"type\":\"WITHDRAW\",\"reqId\":\"r\",\"userId\":\"u\",\"asset\":\"USDC\",";
	struct {
		const char *v;
		enum sx_code code;
		enum sx_detail detail;
	} amounts[] = {
		{"0", SX_INVALID_AMOUNT, SX_D_NOT_POSITIVE},
		{"\"-0.0\"", SX_INVALID_AMOUNT, SX_D_NOT_POSITIVE},
		{"-1", SX_INVALID_AMOUNT, SX_D_NEGATIVE},
		{"\"-0.0000001\"", SX_INVALID_AMOUNT, SX_D_NEGATIVE},
		{"\"0.0000001\"", SX_INVALID_PRECISION, SX_D_NOT_MULTIPLE},
		{"\"1e20\"", SX_INVALID_NUMBER, SX_D_OVERFLOW},
		{"\"x1\"", SX_INVALID_NUMBER, SX_D_SYNTAX},
		{"null", SX_MISSING_FIELD, SX_D_MISSING},
		{"[]", SX_INVALID_NUMBER, SX_D_WRONG_TYPE},
	};
	for (size_t i = 0; i < SX_ARRAY_LEN(amounts); i++) {
		snprintf(buf, sizeof(buf), "%s\"amount\":%s}", D, amounts[i].v);
		expect_rej_o(buf, amounts[i].code, SX_F_AMOUNT, amounts[i].detail, "r", SX_CMD_WITHDRAW);
	}
	/* asset before amount */
	expect_rej_o("{\"type\":\"DEPOSIT\",\"reqId\":\"r\",\"userId\":\"u\",\"asset\":\"X\",\"amount\":-1}",
		     SX_UNKNOWN_ASSET, SX_F_ASSET, SX_D_UNKNOWN_VALUE, "r", SX_CMD_DEPOSIT);
	expect_rej_o("{\"type\":\"DEPOSIT\",\"reqId\":\"r\",\"asset\":\"X\",\"amount\":-1}",
		     SX_MISSING_FIELD, SX_F_USERID, SX_D_MISSING, "r", SX_CMD_DEPOSIT);

	/* AMEND_ORDER */
	const char *A = "{\"type\":\"AMEND_ORDER\",\"reqId\":\"r\",\"userId\":\"u\",\"market\":\"SOL_USDC\",";
	snprintf(buf, sizeof(buf), "%s\"orderId\":\"3\"}", A);
	expect_rej_o(buf, SX_MISSING_FIELD, SX_F_QTY, SX_D_MISSING, "r", SX_CMD_AMEND_ORDER);
	snprintf(buf, sizeof(buf), "%s\"orderId\":\"3\",\"qty\":null,\"price\":null}", A);
	expect_rej_o(buf, SX_MISSING_FIELD, SX_F_QTY, SX_D_MISSING, "r", SX_CMD_AMEND_ORDER);
	snprintf(buf, sizeof(buf), "%s\"orderId\":\"3\",\"qty\":\"-1\",\"price\":\"x\"}", A);
	expect_rej_o(buf, SX_INVALID_QUANTITY, SX_F_QTY, SX_D_NEGATIVE, "r", SX_CMD_AMEND_ORDER);
	snprintf(buf, sizeof(buf), "%s\"orderId\":\"3\",\"qty\":\"0.001\"}", A);
	expect_rej_o(buf, SX_INVALID_PRECISION, SX_F_QTY, SX_D_NOT_MULTIPLE, "r", SX_CMD_AMEND_ORDER);
	snprintf(buf, sizeof(buf), "%s\"orderId\":\"3\",\"price\":0}", A);
	expect_rej_o(buf, SX_INVALID_PRICE, SX_F_PRICE, SX_D_NOT_POSITIVE, "r", SX_CMD_AMEND_ORDER);
	snprintf(buf, sizeof(buf), "%s\"qty\":\"-1\"}", A); /* the reference comes first */
	expect_rej_o(buf, SX_MISSING_FIELD, SX_F_ORDERID, SX_D_MISSING, "r", SX_CMD_AMEND_ORDER);

	/* GET_DEPTH levels: positive integer <= 1000 */
	const char *G = "{\"type\":\"GET_DEPTH\",\"reqId\":\"r\",\"market\":\"SOL_USDC\",";
	struct {
		const char *v;
		enum sx_code code;
		enum sx_detail detail;
	} levels[] = {
		{"0", SX_INVALID_NUMBER, SX_D_NOT_POSITIVE},
		{"-3", SX_INVALID_NUMBER, SX_D_NEGATIVE},
		{"2.5", SX_INVALID_PRECISION, SX_D_NOT_MULTIPLE},
		{"1001", SX_INVALID_NUMBER, SX_D_OUT_OF_RANGE},
		{"\"1e30\"", SX_INVALID_NUMBER, SX_D_OVERFLOW},
		{"\"ten\"", SX_INVALID_NUMBER, SX_D_SYNTAX},
		{"true", SX_INVALID_NUMBER, SX_D_WRONG_TYPE},
	};
	for (size_t i = 0; i < SX_ARRAY_LEN(levels); i++) {
		snprintf(buf, sizeof(buf), "%s\"levels\":%s}", G, levels[i].v);
		expect_rej_o(buf, levels[i].code, SX_F_LEVELS, levels[i].detail, "r", SX_CMD_GET_DEPTH);
	}
	expect_rej_o("{\"type\":\"GET_DEPTH\",\"reqId\":\"r\",\"market\":\"X\",\"levels\":0}",
		     SX_UNKNOWN_MARKET, SX_F_MARKET, SX_D_UNKNOWN_VALUE, "r", SX_CMD_GET_DEPTH);

	/* QUOTE: market, side, qty */
	expect_rej_o("{\"type\":\"QUOTE\",\"reqId\":\"r\",\"market\":\"SOL_USDC\",\"side\":\"x\",\"qty\":0}",
		     SX_INVALID_SIDE, SX_F_SIDE, SX_D_UNKNOWN_VALUE, "r", SX_CMD_QUOTE);
	expect_rej_o("{\"type\":\"QUOTE\",\"reqId\":\"r\",\"market\":\"SOL_USDC\",\"side\":\"buy\"}",
		     SX_MISSING_FIELD, SX_F_QTY, SX_D_MISSING, "r", SX_CMD_QUOTE);
	expect_rej_o("{\"type\":\"QUOTE\",\"reqId\":\"r\",\"market\":\"SOL_USDC\",\"side\":\"buy\","
		     "\"qty\":\"0.001\"}",
		     SX_INVALID_PRECISION, SX_F_QTY, SX_D_NOT_MULTIPLE, "r", SX_CMD_QUOTE);
	expect_rej_o("{\"type\":\"QUOTE\",\"reqId\":\"r\",\"side\":\"buy\",\"qty\":1}", SX_MISSING_FIELD,
		     SX_F_MARKET, SX_D_MISSING, "r", SX_CMD_QUOTE);
}

/* ------------------------------------------------------------------ */
/* encoding                                                            */

static const char *name_of(void *ctx, uint32_t acct, size_t *len)
{
	(void)ctx;
	static const char *const names[] = {"house", "insurance", "fees", "alice", "maker",
					    "bo\"b\\\n\x01\t/\xc3\xa9"};
	if (acct >= SX_ARRAY_LEN(names))
		return NULL;
	*len = strlen(names[acct]);
	return names[acct];
}

static const struct sx_names NAMES = {name_of, NULL};

#define ALICE 3
#define MAKER 4
#define WEIRD 5
#define UNNAMED 9

static struct sx_out recs[32];
static size_t nrecs;
static char out[8192];

static struct sx_out *add(uint8_t kind, uint64_t seq, uint64_t ts)
{
	assert_true(nrecs < SX_ARRAY_LEN(recs));
	struct sx_out *r = &recs[nrecs++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->seq = seq;
	r->ts = ts;
	return r;
}

static struct sx_reply_view *add_reply(uint8_t type, uint64_t seq, uint64_t ts, const char *reqid)
{
	struct sx_reply_view *rp = &add(SX_OUT_REPLY, seq, ts)->u.reply;
	rp->cmd_type = type;
	rp->account = SX_ACCT_NONE;
	if (reqid) {
		rp->reqid_len = (uint8_t)strlen(reqid);
		memcpy(rp->reqid, reqid, rp->reqid_len);
	}
	return rp;
}

static struct sx_order_view *add_order(uint8_t kind, uint64_t id, const char *coid, uint32_t user,
				       uint8_t side, uint8_t otype, uint8_t tif, int64_t price,
				       int64_t qty, int64_t filled, int64_t remaining, uint8_t status)
{
	struct sx_order_view *o = &add(kind, 0, 0)->u.order;
	o->id = id;
	o->user = user;
	o->market = M_SOL;
	o->side = side;
	o->otype = otype;
	o->tif = tif;
	o->price = price;
	o->qty = qty;
	o->filled = filled;
	o->remaining = remaining;
	o->status = status;
	if (coid) {
		o->coid_len = (uint8_t)strlen(coid);
		memcpy(o->coid, coid, o->coid_len);
	}
	return o;
}

/* every record of the command gets the same seq and ts */
static void stamp(uint64_t seq, uint64_t ts)
{
	for (size_t i = 0; i < nrecs; i++) {
		recs[i].seq = seq;
		recs[i].ts = ts;
	}
}

/*
 * The buffer contract for one encoder call: the returned size is what the
 * text needs whatever the cap; no byte at or past cap is ever written; with
 * room the text is written exactly (no NUL after it), identically every time.
 */
enum which { W_REPLY, W_COMMAND, W_EVENT };

static size_t enc(enum which w, const struct sx_out *r, size_t n, char *buf, size_t cap)
{
	switch (w) {
	case W_REPLY: return sx_codec_encode_reply(&cfg, r, n, NAMES, buf, cap);
	case W_COMMAND: return sx_codec_encode_command(&cfg, r, n, NAMES, buf, cap);
	default: return sx_codec_encode_event(&cfg, r, NAMES, buf, cap);
	}
}

static void check_encode(enum which w, const struct sx_out *r, size_t n, const char *want)
{
	size_t wl = strlen(want);
	size_t need = enc(w, r, n, NULL, 0);
	if (need != wl)
		fail_msg("needs %zu bytes, want %zu:\n  want %s", need, wl, want);
	static char buf[8192 + 64];
	assert_true(wl + 64 <= sizeof(buf));
	memset(buf, '#', wl + 64);
	assert_int_equal(enc(w, r, n, buf, wl + 32), wl);
	if (memcmp(buf, want, wl) != 0)
		fail_msg("encoded differently:\n  got  %.*s\n  want %s", (int)wl, buf, want);
	for (size_t i = wl; i < wl + 64; i++)
		if (buf[i] != '#')
			fail_msg("byte %zu past the text written", i);
	/* again with exactly enough room: identical */
	memset(buf, '#', wl + 64);
	assert_int_equal(enc(w, r, n, buf, wl), wl);
	assert_memory_equal(buf, want, wl);
	assert_int_equal(buf[wl], '#');
	/* too small: the same size returned, nothing at or past cap */
	size_t caps[] = {0, 1, wl / 2, wl > 0 ? wl - 1 : 0};
	for (size_t k = 0; k < SX_ARRAY_LEN(caps); k++) {
		size_t cap = caps[k];
		if (cap >= wl)
			continue;
		memset(buf, '#', wl + 64);
		assert_int_equal(enc(w, r, n, buf, cap), wl);
		for (size_t i = cap; i < wl + 64; i++)
			if (buf[i] != '#')
				fail_msg("cap %zu: byte %zu written", cap, i);
	}
}

static void expect_reply(const char *want)
{
	check_encode(W_REPLY, recs, nrecs, want);
}

static void expect_event(size_t i, const char *want)
{
	check_encode(W_EVENT, &recs[i], 1, want);
}

static void test_encode_funds_balance(void **state)
{
	(void)state;
	nrecs = 0;
	struct sx_balance_view *b = &add(SX_OUT_EV_BALANCE, 0, 0)->u.balance;
	b->account = ALICE;
	b->asset = USDC;
	b->available = 5000000000;
	b->locked = 0;
	b = &add(SX_OUT_EV_BALANCE, 0, 0)->u.balance;
	b->account = ALICE;
	b->asset = SOL;
	b->available = 1500000000;
	b->locked = 250000000;
	struct sx_reply_view *rp = add_reply(SX_CMD_DEPOSIT, 0, 0, "dep-1");
	rp->asset = SOL;
	rp->a = 1500000000;
	rp->b = 250000000;
	rp->account = ALICE;
	stamp(1, 1700000000000000000ull);
	expect_reply("{\"reqId\":\"dep-1\",\"ok\":true,\"seq\":1,\"ts\":\"1700000000000000000\","
		     "\"asset\":\"SOL\",\"available\":\"1.500000000\",\"locked\":\"0.250000000\"}");
	expect_event(0, "{\"ev\":\"balance\",\"seq\":1,\"ts\":\"1700000000000000000\",\"userId\":\"alice\","
			"\"asset\":\"USDC\",\"available\":\"5000.000000\",\"locked\":\"0.000000\"}");
	expect_event(1, "{\"ev\":\"balance\",\"seq\":1,\"ts\":\"1700000000000000000\",\"userId\":\"alice\","
			"\"asset\":\"SOL\",\"available\":\"1.500000000\",\"locked\":\"0.250000000\"}");
	/* the whole command: reply line, then each event line */
	check_encode(W_COMMAND, recs, nrecs,
		     "{\"reqId\":\"dep-1\",\"ok\":true,\"seq\":1,\"ts\":\"1700000000000000000\","
		     "\"asset\":\"SOL\",\"available\":\"1.500000000\",\"locked\":\"0.250000000\"}\n"
		     "{\"ev\":\"balance\",\"seq\":1,\"ts\":\"1700000000000000000\",\"userId\":\"alice\","
		     "\"asset\":\"USDC\",\"available\":\"5000.000000\",\"locked\":\"0.000000\"}\n"
		     "{\"ev\":\"balance\",\"seq\":1,\"ts\":\"1700000000000000000\",\"userId\":\"alice\","
		     "\"asset\":\"SOL\",\"available\":\"1.500000000\",\"locked\":\"0.250000000\"}\n");
	/* a reply alone is not an event */
	assert_int_equal(sx_codec_encode_event(&cfg, &recs[2], NAMES, out, sizeof(out)), 0);

	/* withdraw without reqId, BTC's 8 decimals */
	nrecs = 0;
	rp = add_reply(SX_CMD_WITHDRAW, 0, 0, NULL);
	rp->asset = BTC;
	rp->a = 12345;
	rp->b = 100000000;
	stamp(2, 0);
	expect_reply("{\"ok\":true,\"seq\":2,\"ts\":\"0\",\"asset\":\"BTC\",\"available\":\"0.00012345\","
		     "\"locked\":\"1.00000000\"}");
	check_encode(W_COMMAND, recs, nrecs,
		     "{\"ok\":true,\"seq\":2,\"ts\":\"0\",\"asset\":\"BTC\",\"available\":\"0.00012345\","
		     "\"locked\":\"1.00000000\"}\n");

	/* system accounts by name; signed balances; escaped and unknown user names */
	nrecs = 0;
	b = &add(SX_OUT_EV_BALANCE, 0, 0)->u.balance;
	b->account = SX_ACCT_FEES;
	b->asset = USDC;
	b->available = 300000;
	b = &add(SX_OUT_EV_BALANCE, 0, 0)->u.balance;
	b->account = SX_ACCT_HOUSE;
	b->asset = USDC;
	b->available = -5;
	b = &add(SX_OUT_EV_BALANCE, 0, 0)->u.balance;
	b->account = SX_ACCT_INSURANCE;
	b->asset = ETH;
	b->available = -1000000000;
	b->locked = 1;
	b = &add(SX_OUT_EV_BALANCE, 0, 0)->u.balance;
	b->account = WEIRD;
	b->asset = USDC;
	b = &add(SX_OUT_EV_BALANCE, 0, 0)->u.balance;
	b->account = UNNAMED;
	b->asset = USDC;
	stamp(18446744073709551615ull, 18446744073709551615ull);
	expect_event(0, "{\"ev\":\"balance\",\"seq\":18446744073709551615,\"ts\":\"18446744073709551615\","
			"\"account\":\"fees\",\"asset\":\"USDC\",\"available\":\"0.300000\","
			"\"locked\":\"0.000000\"}");
	expect_event(1, "{\"ev\":\"balance\",\"seq\":18446744073709551615,\"ts\":\"18446744073709551615\","
			"\"account\":\"house\",\"asset\":\"USDC\",\"available\":\"-0.000005\","
			"\"locked\":\"0.000000\"}");
	expect_event(2, "{\"ev\":\"balance\",\"seq\":18446744073709551615,\"ts\":\"18446744073709551615\","
			"\"account\":\"insurance\",\"asset\":\"ETH\",\"available\":\"-1.000000000\","
			"\"locked\":\"0.000000001\"}");
	expect_event(3, "{\"ev\":\"balance\",\"seq\":18446744073709551615,\"ts\":\"18446744073709551615\","
			"\"userId\":\"bo\\\"b\\\\\\n\\u0001\\t/\xc3\xa9\",\"asset\":\"USDC\","
			"\"available\":\"0.000000\",\"locked\":\"0.000000\"}");
	expect_event(4, "{\"ev\":\"balance\",\"seq\":18446744073709551615,\"ts\":\"18446744073709551615\","
			"\"userId\":null,\"asset\":\"USDC\",\"available\":\"0.000000\",\"locked\":\"0.000000\"}");
}

static void test_encode_orders(void **state)
{
	(void)state;
	/* a PLACE_ORDER that trades once and rests: trade, maker's order
	 * event, taker's order event, balances, reply (a = the taker's id) */
	nrecs = 0;
	struct sx_trade_view *t = &add(SX_OUT_EV_TRADE, 0, 0)->u.trade;
	t->trade_id = 3;
	t->maker_order = 7;
	t->taker_order = 9;
	t->price = 10050;
	t->qty = 100;
	t->maker_fee = 100500;
	t->taker_fee = 201000;
	t->maker_user = MAKER;
	t->taker_user = ALICE;
	t->market = M_SOL;
	t->taker_side = SX_BUY;
	add_order(SX_OUT_EV_ORDER, 7, "ask-1", MAKER, SX_SELL, SX_LIMIT, SX_GTC, 10050, 100, 100, 0,
		  SX_ST_FILLED);
	add_order(SX_OUT_EV_ORDER, 9, "c-\"1\"", ALICE, SX_BUY, SX_LIMIT, SX_GTC, 10100, 200, 100,
		  100, SX_ST_PARTIALLY_FILLED);
	struct sx_reply_view *rp = add_reply(SX_CMD_PLACE_ORDER, 0, 0, "r\\1");
	rp->a = 9;
	rp->account = ALICE;
	rp->market = M_SOL;
	stamp(17, 5);
	expect_reply("{\"reqId\":\"r\\\\1\",\"ok\":true,\"seq\":17,\"ts\":\"5\",\"orderId\":\"9\","
		     "\"clientOrderId\":\"c-\\\"1\\\"\",\"status\":\"partially_filled\",\"filledQty\":\"1.00\","
		     "\"remainingQty\":\"1.00\",\"fills\":[{\"tradeId\":\"3\",\"price\":\"100.50\","
		     "\"qty\":\"1.00\",\"makerOrderId\":\"7\"}]}");
	const char *ev_trade =
		"{\"ev\":\"trade\",\"seq\":17,\"ts\":\"5\",\"tradeId\":\"3\",\"market\":\"SOL_USDC\","
		"\"price\":\"100.50\",\"qty\":\"1.00\",\"takerSide\":\"buy\",\"makerOrderId\":\"7\","
		"\"takerOrderId\":\"9\",\"makerUserId\":\"maker\",\"takerUserId\":\"alice\","
		"\"makerFee\":\"0.100500\",\"takerFee\":\"0.201000\"}";
	const char *ev_maker =
		"{\"ev\":\"order\",\"seq\":17,\"ts\":\"5\",\"orderId\":\"7\",\"clientOrderId\":\"ask-1\","
		"\"userId\":\"maker\",\"market\":\"SOL_USDC\",\"side\":\"sell\",\"orderType\":\"limit\","
		"\"tif\":\"gtc\",\"price\":\"100.50\",\"qty\":\"1.00\",\"filledQty\":\"1.00\","
		"\"status\":\"filled\"}";
	const char *ev_taker =
		"{\"ev\":\"order\",\"seq\":17,\"ts\":\"5\",\"orderId\":\"9\",\"clientOrderId\":\"c-\\\"1\\\"\","
		"\"userId\":\"alice\",\"market\":\"SOL_USDC\",\"side\":\"buy\",\"orderType\":\"limit\","
		"\"tif\":\"gtc\",\"price\":\"101.00\",\"qty\":\"2.00\",\"filledQty\":\"1.00\","
		"\"status\":\"partially_filled\"}";
	expect_event(0, ev_trade);
	expect_event(1, ev_maker);
	expect_event(2, ev_taker);
	char want[4096];
	snprintf(want, sizeof(want),
		 "{\"reqId\":\"r\\\\1\",\"ok\":true,\"seq\":17,\"ts\":\"5\",\"orderId\":\"9\","
		 "\"clientOrderId\":\"c-\\\"1\\\"\",\"status\":\"partially_filled\",\"filledQty\":\"1.00\","
		 "\"remainingQty\":\"1.00\",\"fills\":[{\"tradeId\":\"3\",\"price\":\"100.50\","
		 "\"qty\":\"1.00\",\"makerOrderId\":\"7\"}]}\n%s\n%s\n%s\n",
		 ev_trade, ev_maker, ev_taker);
	check_encode(W_COMMAND, recs, nrecs, want);

	/* two fills, a market taker: tif and price null; expired */
	nrecs = 0;
	for (int i = 0; i < 2; i++) {
		t = &add(SX_OUT_EV_TRADE, 0, 0)->u.trade;
		t->trade_id = 1 + (uint64_t)i;
		t->maker_order = 1 + (uint64_t)i;
		t->taker_order = 5;
		t->price = 10100 + 50 * i;
		t->qty = i ? 200 : 500;
		t->maker_user = MAKER;
		t->taker_user = ALICE;
		t->taker_side = SX_SELL;
		add_order(SX_OUT_EV_ORDER, 1 + (uint64_t)i, NULL, MAKER, SX_BUY, SX_LIMIT, SX_POST_ONLY,
			  t->price, 500, t->qty, 500 - t->qty,
			  i ? SX_ST_PARTIALLY_FILLED : SX_ST_FILLED);
	}
	add_order(SX_OUT_EV_ORDER, 5, NULL, ALICE, SX_SELL, SX_MARKET, SX_IOC, 0, 800, 700, 0,
		  SX_ST_EXPIRED);
	rp = add_reply(SX_CMD_PLACE_ORDER, 0, 0, NULL);
	rp->a = 5;
	stamp(9, 2);
	expect_reply("{\"ok\":true,\"seq\":9,\"ts\":\"2\",\"orderId\":\"5\",\"clientOrderId\":null,"
		     "\"status\":\"expired\",\"filledQty\":\"7.00\",\"remainingQty\":\"0.00\",\"fills\":["
		     "{\"tradeId\":\"1\",\"price\":\"101.00\",\"qty\":\"5.00\",\"makerOrderId\":\"1\"},"
		     "{\"tradeId\":\"2\",\"price\":\"101.50\",\"qty\":\"2.00\",\"makerOrderId\":\"2\"}]}");
	expect_event(4, "{\"ev\":\"order\",\"seq\":9,\"ts\":\"2\",\"orderId\":\"5\",\"clientOrderId\":null,"
			"\"userId\":\"alice\",\"market\":\"SOL_USDC\",\"side\":\"sell\",\"orderType\":\"market\","
			"\"tif\":null,\"price\":null,\"qty\":\"8.00\",\"filledQty\":\"7.00\",\"status\":\"expired\"}");
	expect_event(2, "{\"ev\":\"trade\",\"seq\":9,\"ts\":\"2\",\"tradeId\":\"2\",\"market\":\"SOL_USDC\","
			"\"price\":\"101.50\",\"qty\":\"2.00\",\"takerSide\":\"sell\",\"makerOrderId\":\"2\","
			"\"takerOrderId\":\"5\",\"makerUserId\":\"maker\",\"takerUserId\":\"alice\","
			"\"makerFee\":\"0.000000\",\"takerFee\":\"0.000000\"}");
	expect_event(3, "{\"ev\":\"order\",\"seq\":9,\"ts\":\"2\",\"orderId\":\"2\",\"clientOrderId\":null,"
			"\"userId\":\"maker\",\"market\":\"SOL_USDC\",\"side\":\"buy\",\"orderType\":\"limit\","
			"\"tif\":\"post_only\",\"price\":\"101.50\",\"qty\":\"5.00\",\"filledQty\":\"2.00\","
			"\"status\":\"partially_filled\"}");

	/* CANCEL_ORDER and AMEND_ORDER replies: the order's last event */
	nrecs = 0;
	add_order(SX_OUT_EV_ORDER, 4, "bid-2", MAKER, SX_BUY, SX_LIMIT, SX_GTC, 9850, 500, 0, 0,
		  SX_ST_CANCELLED);
	rp = add_reply(SX_CMD_CANCEL_ORDER, 0, 0, "c1");
	rp->a = 4;
	stamp(13, 0);
	expect_reply("{\"reqId\":\"c1\",\"ok\":true,\"seq\":13,\"ts\":\"0\",\"orderId\":\"4\","
		     "\"clientOrderId\":\"bid-2\",\"status\":\"cancelled\",\"filledQty\":\"0.00\","
		     "\"remainingQty\":\"0.00\",\"fills\":[]}");
	expect_event(0, "{\"ev\":\"order\",\"seq\":13,\"ts\":\"0\",\"orderId\":\"4\",\"clientOrderId\":\"bid-2\","
			"\"userId\":\"maker\",\"market\":\"SOL_USDC\",\"side\":\"buy\",\"orderType\":\"limit\","
			"\"tif\":\"gtc\",\"price\":\"98.50\",\"qty\":\"5.00\",\"filledQty\":\"0.00\","
			"\"status\":\"cancelled\"}");
	nrecs = 0;
	add_order(SX_OUT_EV_ORDER, 6, NULL, ALICE, SX_BUY, SX_LIMIT, SX_POST_ONLY, 10000, 200, 0, 200,
		  SX_ST_OPEN);
	rp = add_reply(SX_CMD_AMEND_ORDER, 0, 0, "t3");
	rp->a = 6;
	stamp(11, 0);
	expect_reply("{\"reqId\":\"t3\",\"ok\":true,\"seq\":11,\"ts\":\"0\",\"orderId\":\"6\","
		     "\"clientOrderId\":null,\"status\":\"open\",\"filledQty\":\"0.00\","
		     "\"remainingQty\":\"2.00\",\"fills\":[]}");

	/* GET_ORDER: the order's fields plus remainingQty and fills: [] */
	nrecs = 0;
	add_order(SX_OUT_IT_ORDER, 3, "bid-1", MAKER, SX_BUY, SX_LIMIT, SX_GTC, 9900, 500, 100, 400,
		  SX_ST_PARTIALLY_FILLED);
	rp = add_reply(SX_CMD_GET_ORDER, 0, 0, "g");
	rp->a = 3;
	stamp(21, 0);
	expect_reply("{\"reqId\":\"g\",\"ok\":true,\"seq\":21,\"ts\":\"0\",\"orderId\":\"3\","
		     "\"clientOrderId\":\"bid-1\",\"userId\":\"maker\",\"market\":\"SOL_USDC\",\"side\":\"buy\","
		     "\"orderType\":\"limit\",\"tif\":\"gtc\",\"price\":\"99.00\",\"qty\":\"5.00\","
		     "\"filledQty\":\"1.00\",\"status\":\"partially_filled\",\"remainingQty\":\"4.00\","
		     "\"fills\":[]}");
	/* an item is not an event line */
	check_encode(W_COMMAND, recs, nrecs,
		     "{\"reqId\":\"g\",\"ok\":true,\"seq\":21,\"ts\":\"0\",\"orderId\":\"3\","
		     "\"clientOrderId\":\"bid-1\",\"userId\":\"maker\",\"market\":\"SOL_USDC\",\"side\":\"buy\","
		     "\"orderType\":\"limit\",\"tif\":\"gtc\",\"price\":\"99.00\",\"qty\":\"5.00\","
		     "\"filledQty\":\"1.00\",\"status\":\"partially_filled\",\"remainingQty\":\"4.00\","
		     "\"fills\":[]}\n");
	assert_int_equal(sx_codec_encode_event(&cfg, &recs[0], NAMES, out, sizeof(out)), 0);

	/* CHECK_OPEN_ORDERS: rows with remainingQty, oldest first; none */
	nrecs = 0;
	add_order(SX_OUT_IT_ORDER, 2, "ask-2", MAKER, SX_SELL, SX_LIMIT, SX_GTC, 10150, 500, 200, 300,
		  SX_ST_PARTIALLY_FILLED);
	add_order(SX_OUT_IT_ORDER, 8, NULL, MAKER, SX_BUY, SX_LIMIT, SX_POST_ONLY, 1, 1, 0, 1,
		  SX_ST_OPEN);
	rp = add_reply(SX_CMD_CHECK_OPEN_ORDERS, 0, 0, "oo");
	rp->account = MAKER;
	stamp(20, 0);
	expect_reply("{\"reqId\":\"oo\",\"ok\":true,\"seq\":20,\"ts\":\"0\",\"orders\":["
		     "{\"orderId\":\"2\",\"clientOrderId\":\"ask-2\",\"userId\":\"maker\",\"market\":\"SOL_USDC\","
		     "\"side\":\"sell\",\"orderType\":\"limit\",\"tif\":\"gtc\",\"price\":\"101.50\","
		     "\"qty\":\"5.00\",\"filledQty\":\"2.00\",\"status\":\"partially_filled\","
		     "\"remainingQty\":\"3.00\"},"
		     "{\"orderId\":\"8\",\"clientOrderId\":null,\"userId\":\"maker\",\"market\":\"SOL_USDC\","
		     "\"side\":\"buy\",\"orderType\":\"limit\",\"tif\":\"post_only\",\"price\":\"0.01\","
		     "\"qty\":\"0.01\",\"filledQty\":\"0.00\",\"status\":\"open\",\"remainingQty\":\"0.01\"}]}");
	nrecs = 0;
	add_reply(SX_CMD_CHECK_OPEN_ORDERS, 0, 0, NULL);
	stamp(1, 0);
	expect_reply("{\"ok\":true,\"seq\":1,\"ts\":\"0\",\"orders\":[]}");
}

static void test_encode_queries(void **state)
{
	(void)state;
	/* CHECK_BALANCE: every asset in config order */
	nrecs = 0;
	int64_t av[4] = {4591000000, 4000000000, 0, 5}, lk[4] = {1500000, 0, 1, 0};
	for (uint16_t s = 0; s < 4; s++) {
		struct sx_balance_view *b = &add(SX_OUT_IT_BALANCE, 0, 0)->u.balance;
		b->account = ALICE;
		b->asset = s;
		b->available = av[s];
		b->locked = lk[s];
	}
	struct sx_reply_view *rp = add_reply(SX_CMD_CHECK_BALANCE, 0, 0, "bal-a");
	rp->account = ALICE;
	stamp(19, 0);
	expect_reply("{\"reqId\":\"bal-a\",\"ok\":true,\"seq\":19,\"ts\":\"0\",\"balances\":{"
		     "\"USDC\":{\"available\":\"4591.000000\",\"locked\":\"1.500000\"},"
		     "\"SOL\":{\"available\":\"4.000000000\",\"locked\":\"0.000000000\"},"
		     "\"ETH\":{\"available\":\"0.000000000\",\"locked\":\"0.000000001\"},"
		     "\"BTC\":{\"available\":\"0.00000005\",\"locked\":\"0.00000000\"}}}");
	check_encode(W_COMMAND, recs, nrecs,
		     "{\"reqId\":\"bal-a\",\"ok\":true,\"seq\":19,\"ts\":\"0\",\"balances\":{"
		     "\"USDC\":{\"available\":\"4591.000000\",\"locked\":\"1.500000\"},"
		     "\"SOL\":{\"available\":\"4.000000000\",\"locked\":\"0.000000000\"},"
		     "\"ETH\":{\"available\":\"0.000000000\",\"locked\":\"0.000000001\"},"
		     "\"BTC\":{\"available\":\"0.00000005\",\"locked\":\"0.00000000\"}}}\n");

	/* GET_DEPTH: bids then asks, best first, [price, qty] */
	nrecs = 0;
	const int64_t lv[4][3] = {{SX_BUY, 9900, 500}, {SX_BUY, 9850, 1}, {SX_SELL, 10100, 150},
				  {SX_SELL, 123456789, 100000}};
	for (int i = 0; i < 4; i++) {
		struct sx_level_view *l = &add(SX_OUT_IT_LEVEL, 0, 0)->u.level;
		l->side = (uint8_t)lv[i][0];
		l->price = lv[i][1];
		l->qty = lv[i][2];
		l->market = M_SOL;
	}
	rp = add_reply(SX_CMD_GET_DEPTH, 0, 0, "depth-1");
	rp->market = M_SOL;
	stamp(7, 0);
	expect_reply("{\"reqId\":\"depth-1\",\"ok\":true,\"seq\":7,\"ts\":\"0\",\"market\":\"SOL_USDC\","
		     "\"bids\":[[\"99.00\",\"5.00\"],[\"98.50\",\"0.01\"]],"
		     "\"asks\":[[\"101.00\",\"1.50\"],[\"1234567.89\",\"1000.00\"]]}");
	nrecs = 0;
	rp = add_reply(SX_CMD_GET_DEPTH, 0, 0, NULL);
	rp->market = M_BTC;
	stamp(7, 0);
	expect_reply("{\"ok\":true,\"seq\":7,\"ts\":\"0\",\"market\":\"BTC_USDC\",\"bids\":[],\"asks\":[]}");
	/* BTC: tick 0.1, lot 0.00001 */
	nrecs = 0;
	struct sx_level_view *l = &add(SX_OUT_IT_LEVEL, 0, 0)->u.level;
	l->side = SX_SELL;
	l->price = 300001;
	l->qty = 3;
	l->market = M_BTC;
	rp = add_reply(SX_CMD_GET_DEPTH, 0, 0, NULL);
	rp->market = M_BTC;
	stamp(8, 0);
	expect_reply("{\"ok\":true,\"seq\":8,\"ts\":\"0\",\"market\":\"BTC_USDC\",\"bids\":[],"
		     "\"asks\":[[\"30000.1\",\"0.00003\"]]}");

	/* QUOTE: qty, notional, averagePrice (quote per base unit), fee */
	nrecs = 0;
	rp = add_reply(SX_CMD_QUOTE, 0, 0, "q1");
	rp->market = M_SOL;
	rp->side = SX_BUY;
	rp->a = 200;
	rp->b = 202500000;
	rp->c = 405000;
	stamp(8, 0);
	expect_reply("{\"reqId\":\"q1\",\"ok\":true,\"seq\":8,\"ts\":\"0\",\"market\":\"SOL_USDC\","
		     "\"side\":\"buy\",\"qty\":\"2.00\",\"notional\":\"202.500000\","
		     "\"averagePrice\":\"101.250000\",\"fee\":\"0.405000\"}");
	/* an average that does not divide: buys round up, sells down */
	rp->a = 3;
	rp->b = 1000001;
	rp->c = 0;
	expect_reply("{\"reqId\":\"q1\",\"ok\":true,\"seq\":8,\"ts\":\"0\",\"market\":\"SOL_USDC\","
		     "\"side\":\"buy\",\"qty\":\"0.03\",\"notional\":\"1.000001\","
		     "\"averagePrice\":\"33.333367\",\"fee\":\"0.000000\"}");
	rp->side = SX_SELL;
	expect_reply("{\"reqId\":\"q1\",\"ok\":true,\"seq\":8,\"ts\":\"0\",\"market\":\"SOL_USDC\","
		     "\"side\":\"sell\",\"qty\":\"0.03\",\"notional\":\"1.000001\","
		     "\"averagePrice\":\"33.333366\",\"fee\":\"0.000000\"}");
	/* nothing fillable: averagePrice null */
	rp->a = 0;
	rp->b = 0;
	expect_reply("{\"reqId\":\"q1\",\"ok\":true,\"seq\":8,\"ts\":\"0\",\"market\":\"SOL_USDC\","
		     "\"side\":\"sell\",\"qty\":\"0.00\",\"notional\":\"0.000000\","
		     "\"averagePrice\":null,\"fee\":\"0.000000\"}");
}

static void test_encode_errors(void **state)
{
	(void)state;
	struct {
		uint8_t code, field, detail;
		const char *msg;
	} cases[] = {
		{SX_INVALID_PRECISION, SX_F_QTY, SX_D_NOT_MULTIPLE, "qty: not a multiple of its step"},
		{SX_UNKNOWN_MARKET, SX_F_MARKET, SX_D_UNKNOWN_VALUE, "market: unknown value"},
		{SX_UNKNOWN_TYPE, SX_F_TYPE, SX_D_UNKNOWN_VALUE, "type: unknown value"},
		{SX_MISSING_FIELD, SX_F_USERID, SX_D_MISSING, "userId: missing"},
		{SX_INVALID_COMMAND, SX_F_NONE, SX_D_NOT_JSON, "command is not valid JSON"},
		{SX_INVALID_COMMAND, SX_F_NONE, SX_D_TOO_LARGE, "command is larger than 64 KiB"},
		{SX_INVALID_COMMAND, SX_F_NONE, SX_D_DUPLICATE_KEY, "command has a field twice"},
		{SX_INVALID_COMMAND, SX_F_CLIENTORDERID, SX_D_TOO_LONG, "clientOrderId: too long"},
		{SX_INVALID_NUMBER, SX_F_LEVELS, SX_D_OUT_OF_RANGE, "levels: out of range"},
		{SX_UNKNOWN_ORDER, SX_F_ORDERID, SX_D_NONE,
		 "no such open order of this user in this market"},
		{SX_DUPLICATE_CLIENT_ORDER_ID, SX_F_CLIENTORDERID, SX_D_NONE,
		 "clientOrderId is already used by an open order"},
		{SX_WOULD_CROSS, SX_F_PRICE, SX_D_NONE, "post-only order would trade"},
		{SX_OVERLOADED, SX_F_NONE, SX_D_NONE, "engine capacity reached"},
		{SX_INVALID_QUANTITY, SX_F_NONE, SX_D_NONE, "INVALID_QUANTITY"},
	};
	for (size_t i = 0; i < SX_ARRAY_LEN(cases); i++) {
		nrecs = 0;
		struct sx_reply_view *rp = add_reply(SX_CMD_REJECTED, 0, 0, i % 2 ? "bad" : NULL);
		rp->code = cases[i].code;
		rp->field = cases[i].field;
		rp->detail = cases[i].detail;
		stamp(16, 0);
		char want[512];
		snprintf(want, sizeof(want),
			 "{%s\"ok\":false,\"seq\":16,\"ts\":\"0\",\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}",
			 i % 2 ? "\"reqId\":\"bad\"," : "", sx_code_name((enum sx_code)cases[i].code),
			 cases[i].msg);
		expect_reply(want);
	}
	/* INSUFFICIENT_BALANCE names the amounts; a rejected order command
	 * has the same shape whatever its type */
	nrecs = 0;
	struct sx_reply_view *rp = add_reply(SX_CMD_PLACE_ORDER, 0, 0, "bad-1");
	rp->code = SX_INSUFFICIENT_BALANCE;
	rp->asset = USDC;
	rp->a = 5000000000;
	rp->b = 100000000000;
	stamp(15, 3);
	expect_reply("{\"reqId\":\"bad-1\",\"ok\":false,\"seq\":15,\"ts\":\"3\",\"error\":{\"code\":"
		     "\"INSUFFICIENT_BALANCE\",\"message\":\"available 5000.000000 USDC, needs 100000.000000\"}}");
	rp->asset = SOL;
	rp->a = 0;
	rp->b = 1;
	expect_reply("{\"reqId\":\"bad-1\",\"ok\":false,\"seq\":15,\"ts\":\"3\",\"error\":{\"code\":"
		     "\"INSUFFICIENT_BALANCE\",\"message\":\"available 0.000000000 SOL, needs 0.000000001\"}}");
	check_encode(W_COMMAND, recs, nrecs,
		     "{\"reqId\":\"bad-1\",\"ok\":false,\"seq\":15,\"ts\":\"3\",\"error\":{\"code\":"
		     "\"INSUFFICIENT_BALANCE\",\"message\":\"available 0.000000000 SOL, needs 0.000000001\"}}\n");
	/* a reqId with every kind of character that needs escaping */
	nrecs = 0;
	rp = add_reply(SX_CMD_REJECTED, 0, 0, "q\"\\\x1f\x7f\r\b\f/");
	rp->code = SX_UNKNOWN_TYPE;
	rp->field = SX_F_TYPE;
	rp->detail = SX_D_UNKNOWN_VALUE;
	stamp(1, 0);
	expect_reply("{\"reqId\":\"q\\\"\\\\\\u001f\x7f\\r\\b\\f/\",\"ok\":false,\"seq\":1,\"ts\":\"0\","
		     "\"error\":{\"code\":\"UNKNOWN_TYPE\",\"message\":\"type: unknown value\"}}");
	/* no reply record: nothing */
	nrecs = 0;
	add(SX_OUT_EV_BALANCE, 0, 0);
	assert_int_equal(sx_codec_encode_reply(&cfg, recs, nrecs, NAMES, out, sizeof(out)), 0);
	assert_int_equal(sx_codec_encode_reply(&cfg, recs, 0, NAMES, out, sizeof(out)), 0);
}

/* decode -> encode of a rejection keeps the reqId as the client sent it */
static void test_roundtrip_reject(void **state)
{
	(void)state;
	dec("{\"reqId\":\"x\\\"y\",\"type\":\"PLACE_ORDER\",\"userId\":\"u\",\"market\":\"SOL_USDC\","
	    "\"side\":\"buy\",\"orderType\":\"limit\",\"qty\":\"1.005\",\"price\":1}");
	assert_int_equal(cmd.type, SX_CMD_REJECTED);
	nrecs = 0;
	struct sx_reply_view *rp = add_reply(SX_CMD_REJECTED, 0, 0, NULL);
	rp->reqid_len = cmd.reqid_len;
	memcpy(rp->reqid, cmd.reqid, cmd.reqid_len);
	rp->code = cmd.u.rej.code;
	rp->field = cmd.u.rej.field;
	rp->detail = cmd.u.rej.detail;
	rp->orig_type = cmd.u.rej.orig_type;
	stamp(2, 0);
	expect_reply("{\"reqId\":\"x\\\"y\",\"ok\":false,\"seq\":2,\"ts\":\"0\",\"error\":{\"code\":"
		     "\"INVALID_PRECISION\",\"message\":\"qty: not a multiple of its step\"}}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_funds),
		cmocka_unit_test(test_decode_place),
		cmocka_unit_test(test_decode_orders_queries),
		cmocka_unit_test(test_decode_document),
		cmocka_unit_test(test_decode_envelope),
		cmocka_unit_test(test_decode_identifiers),
		cmocka_unit_test(test_decode_numbers),
		cmocka_unit_test(test_encode_funds_balance),
		cmocka_unit_test(test_encode_orders),
		cmocka_unit_test(test_encode_queries),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_roundtrip_reject),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
