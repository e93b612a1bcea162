/*
 * test_decimal.c - unit tests of decimal.c: the JSON number grammar, exact
 * canonical (mant, exp10) values, overflow limits, step conversion, step
 * parsing and fixed-point formatting.
 *
 * Every expectation is an exact value, so any change of behaviour fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sequex/decimal.h"

typedef unsigned __int128 u128;

static enum sx_dec_status parse(const char *s, struct sx_dec *d)
{
	return sx_dec_parse(s, strlen(s), d);
}

/* Parse s and expect OK with exactly (neg, mant, exp10). */
static void expect_dec(const char *s, bool neg, u128 mant, int32_t exp10)
{
	struct sx_dec d;
	enum sx_dec_status rc = parse(s, &d);
	if (rc != SX_DEC_OK)
		fail_msg("parse(\"%s\") = %d, want OK", s, (int)rc);
	if (d.neg != neg || d.mant != mant || d.exp10 != exp10)
		fail_msg("parse(\"%s\"): neg %d mant %llu:%llu exp %d", s, (int)d.neg,
			 (unsigned long long)(d.mant >> 64), (unsigned long long)d.mant,
			 (int)d.exp10);
}

static void expect_status(const char *s, enum sx_dec_status want)
{
	struct sx_dec d;
	enum sx_dec_status rc = parse(s, &d);
	if (rc != want)
		fail_msg("parse(\"%s\") = %d, want %d", s, (int)rc, (int)want);
	if (rc != SX_DEC_OK) {
		/* The header promises a zero value on error. */
		assert_true(d.mant == 0);
		assert_int_equal(d.exp10, 0);
		assert_false(d.neg);
	}
}

/* A u128 from a decimal digit string (test helper, no checks). */
static u128 u128_of(const char *digits)
{
	u128 r = 0;
	for (; *digits; digits++)
		r = r * 10 + (unsigned)(*digits - '0');
	return r;
}

static u128 pow10x(int k)
{
	u128 r = 1;
	while (k-- > 0)
		r *= 10;
	return r;
}

static void test_parse_valid(void **state)
{
	(void)state;
	expect_dec("0", false, 0, 0);
	expect_dec("1", false, 1, 0);
	expect_dec("-1", true, 1, 0);
	expect_dec("7", false, 7, 0);
	expect_dec("10", false, 1, 1);
	expect_dec("1000", false, 1, 3);
	expect_dec("100.0", false, 1, 2);
	expect_dec("1.5", false, 15, -1);
	expect_dec("-12.340", true, 1234, -2);
	expect_dec("0.5", false, 5, -1);
	expect_dec("0.05", false, 5, -2);
	expect_dec("0.000123", false, 123, -6);
	expect_dec("100.25", false, 10025, -2);
	expect_dec("1.0e-7", false, 1, -7);
	expect_dec("1e-7", false, 1, -7);
	expect_dec("1E5", false, 1, 5);
	expect_dec("1e+5", false, 1, 5);
	expect_dec("1E-0", false, 1, 0);
	expect_dec("1e00005", false, 1, 5);
	expect_dec("2.50e2", false, 25, 1);
	expect_dec("-0.5e1", true, 5, 0);
	expect_dec("123.456e-3", false, 123456, -6);
	expect_dec("120e-1", false, 12, 0);
	expect_dec("9223372036854775807", false, (u128)INT64_MAX, 0);
	expect_dec("18446744073709551616", false, (u128)1 << 64, 0);
}

static void test_parse_zero(void **state)
{
	(void)state;
	const char *zeros[] = { "0", "-0", "0.0", "0.000", "-0.000", "0e5", "0E-5",
				"-0e+7", "0.00e99999999999999999999", "0e-99999999999" };
	for (size_t k = 0; k < sizeof zeros / sizeof zeros[0]; k++)
		expect_dec(zeros[k], false, 0, 0);
}

static void test_parse_syntax(void **state)
{
	(void)state;
	const char *bad[] = {
		"",    "-",     "+1",   ".5",   "-.5",  "01",   "00",    "-01",  "1.",
		"1.e5", "1e",   "1e+",  "1e-",  "1E",   "e5",   " 1",    "1 ",   "1x",
		"--1", "-+1",  "1..2", "1.2.3", "1e5.5", "1e5e5", "0x10", "NaN", "nan",
		"Infinity", "-Infinity", "inf", "1,5",  "\"1\"", "1_000", "١", "+0",
		"0.", "1e++5", "1-", "Ⅰ", "1\n", "\t1", "0-", "true", "null",
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
		expect_status(bad[k], SX_DEC_SYNTAX);

	/* Bytes after n are not read; embedded NUL inside n is syntax. */
	struct sx_dec d;
	assert_int_equal(sx_dec_parse("12x", 2, &d), SX_DEC_OK);
	assert_true(d.mant == 12);
	assert_int_equal(sx_dec_parse("1\0", 2, &d), SX_DEC_SYNTAX);
	assert_int_equal(sx_dec_parse(NULL, 0, &d), SX_DEC_SYNTAX);
	assert_int_equal(sx_dec_parse("5", 0, &d), SX_DEC_SYNTAX);
	/* Syntax wins over overflow: the whole text must be a number first. */
	expect_status("1e99999999999x", SX_DEC_SYNTAX);
	expect_status("123456789012345678901234567890123456789x", SX_DEC_SYNTAX);
}

static void test_parse_significant_digits(void **state)
{
	(void)state;
	/* 38 nines: the largest mantissa accepted. */
	const char *d38 = "99999999999999999999999999999999999999";
	expect_dec(d38, false, pow10x(38) - 1, 0);
	/* 39 digits overflow, even when the value is small. */
	expect_status("999999999999999999999999999999999999999", SX_DEC_OVERFLOW);
	expect_status("0.123456789012345678901234567890123456789", SX_DEC_OVERFLOW);
	expect_status("-1.00000000000000000000000000000000000001", SX_DEC_OVERFLOW);
	/* Leading and trailing zeros are not significant. */
	expect_dec("0.00000000000000000000000000000000000000000000012345", false,
		   12345, -50);
	expect_dec("1000000000000000000000000000000000000000000000000000", false, 1, 51);
	expect_dec("1.00000000000000000000000000000000000000000000000000", false, 1, 0);
	expect_dec("12345678901234567890123456789012345678", false,
		   u128_of("12345678901234567890123456789012345678"), 0);
	/* 38 significant digits straddling the point, trailing zeros folded. */
	expect_dec("1234567890123456789.01234567890123456780000", false,
		   u128_of("12345678901234567890123456789012345678"), -19);
	expect_status("1234567890123456789.012345678901234567890000", SX_DEC_OVERFLOW);
	expect_dec("-0.10000000000000000000000000000000000001", true,
		   pow10x(37) + 1, -38);
}

static void test_parse_exponent_limits(void **state)
{
	(void)state;
	expect_dec("1e1000000000", false, 1, 1000000000);
	expect_dec("1e-1000000000", false, 1, -1000000000);
	expect_status("1e1000000001", SX_DEC_OVERFLOW);
	expect_status("1e-1000000001", SX_DEC_OVERFLOW);
	/* Normalization counts: the final exp10 is what is limited. */
	expect_status("10e1000000000", SX_DEC_OVERFLOW);
	expect_dec("10e999999999", false, 1, 1000000000);
	expect_status("0.1e-1000000000", SX_DEC_OVERFLOW);
	expect_dec("0.1e-999999999", false, 1, -1000000000);
	expect_dec("0.001e1000000002", false, 1, 999999999);
	/* Exponent text far beyond any integer type is parsed without overflow. */
	expect_status("1e99999999999999999999999999999999999999999999", SX_DEC_OVERFLOW);
	expect_status("1e-99999999999999999999999999999999999999999999", SX_DEC_OVERFLOW);
	expect_status("-5E+18446744073709551617", SX_DEC_OVERFLOW);
	expect_status("1e9223372036854775808", SX_DEC_OVERFLOW);
	expect_dec("1e0000000000000000000000000000000000000000000001", false, 1, 1);
}

static struct sx_step step(int64_t mant, uint8_t dec)
{
	struct sx_step st = { .mant = mant, .dec = dec };
	return st;
}

/* Parse s, convert with step, expect status and (when OK) the count. */
static void expect_steps(const char *s, struct sx_step st, enum sx_dec_status want,
			 int64_t want_out)
{
	struct sx_dec d;
	int64_t out = 12345;
	assert_int_equal(parse(s, &d), SX_DEC_OK);
	enum sx_dec_status rc = sx_dec_to_steps(&d, st, &out);
	if (rc != want)
		fail_msg("to_steps(\"%s\", %lld/%u) = %d, want %d", s, (long long)st.mant,
			 (unsigned)st.dec, (int)rc, (int)want);
	if (rc == SX_DEC_OK && out != want_out)
		fail_msg("to_steps(\"%s\") = %lld, want %lld", s, (long long)out,
			 (long long)want_out);
	if (rc != SX_DEC_OK)
		assert_int_equal(out, 0);
}

static void test_to_steps_exact(void **state)
{
	(void)state;
	expect_steps("0", step(1, 2), SX_DEC_OK, 0);
	expect_steps("-0", step(5, 2), SX_DEC_OK, 0);
	expect_steps("0e999999999", step(1, 0), SX_DEC_OK, 0);
	expect_steps("1.5", step(1, 2), SX_DEC_OK, 150);
	expect_steps("1.5", step(5, 1), SX_DEC_OK, 3);
	expect_steps("1.50", step(5, 2), SX_DEC_OK, 30);
	expect_steps("100.25", step(25, 2), SX_DEC_OK, 401);
	expect_steps("100.25", step(1, 2), SX_DEC_OK, 10025);
	expect_steps("-12.340", step(1, 3), SX_DEC_OK, -12340);
	expect_steps("1e-7", step(1, 7), SX_DEC_OK, 1);
	expect_steps("1e-7", step(1, 8), SX_DEC_OK, 10);
	expect_steps("1E5", step(10, 0), SX_DEC_OK, 10000);
}

static void test_to_steps_cases(void **state)
{
	(void)state;
	/* 1e5 * 1e18 units overflows int64: U = 1e23. */
	expect_steps("1E5", step(1, 18), SX_DEC_OVERFLOW, 0);
	/* Not a multiple. */
	expect_steps("1e-7", step(1, 6), SX_DEC_NOT_MULTIPLE, 0);
	expect_steps("1.55", step(1, 1), SX_DEC_NOT_MULTIPLE, 0);
	expect_steps("1.5", step(2, 1), SX_DEC_NOT_MULTIPLE, 0);
	expect_steps("7", step(2, 0), SX_DEC_NOT_MULTIPLE, 0);
	expect_steps("-7", step(2, 0), SX_DEC_NOT_MULTIPLE, 0);
	expect_steps("0.3", step(25, 2), SX_DEC_NOT_MULTIPLE, 0);
	expect_steps("1e-1000000000", step(1, 18), SX_DEC_NOT_MULTIPLE, 0);
	/* Step before range: huge but not a multiple is NOT_MULTIPLE. */
	expect_steps("1e30", step(3, 0), SX_DEC_NOT_MULTIPLE, 0);
	expect_steps("1e1000000000", step(7, 0), SX_DEC_NOT_MULTIPLE, 0);
	expect_steps("1000000000000000000000000000000.1", step(1, 0),
		     SX_DEC_NOT_MULTIPLE, 0);
	/* Huge multiples overflow. */
	expect_steps("1e30", step(5, 0), SX_DEC_OVERFLOW, 0);
	expect_steps("1e1000000000", step(1, 0), SX_DEC_OVERFLOW, 0);
	expect_steps("-1e1000000000", step(2, 0), SX_DEC_OVERFLOW, 0);
	expect_steps("99999999999999999999999999999999999999", step(1, 0),
		     SX_DEC_OVERFLOW, 0);
	/* The INT64_MAX boundary, in units of 10^-dec. */
	expect_steps("9223372036854775807", step(1, 0), SX_DEC_OK, INT64_MAX);
	expect_steps("-9223372036854775807", step(1, 0), SX_DEC_OK, -INT64_MAX);
	expect_steps("9223372036854775808", step(1, 0), SX_DEC_OVERFLOW, 0);
	expect_steps("-9223372036854775808", step(1, 0), SX_DEC_OVERFLOW, 0);
	expect_steps("9.223372036854775807", step(1, 18), SX_DEC_OK, INT64_MAX);
	expect_steps("9.223372036854775808", step(1, 18), SX_DEC_OVERFLOW, 0);
	expect_steps("9.223372036854775807", step(7, 18), SX_DEC_OK,
		     INT64_MAX / 7);
	/* out * step.mant must fit: 1e18 with step 1e18 (dec 0) gives 1. */
	expect_steps("1000000000000000000", step(1000000000000000000LL, 0), SX_DEC_OK, 1);
	expect_steps("9e18", step(1000000000000000000LL, 0), SX_DEC_OK, 9);
	expect_steps("10e18", step(1000000000000000000LL, 0), SX_DEC_OVERFLOW, 0);
	expect_steps("922337203685477580.5", step(5, 1), SX_DEC_OK, 1844674407370955161LL);
	expect_steps("922337203685477581.0", step(5, 1), SX_DEC_OVERFLOW, 0);
	expect_steps("4611686018427387903.5", step(5, 1), SX_DEC_OVERFLOW, 0);
	/* k = 19 with a tiny mantissa still overflows (1e19 > INT64_MAX). */
	expect_steps("10", step(1, 18), SX_DEC_OVERFLOW, 0);
	expect_steps("9", step(1, 18), SX_DEC_OK, 9000000000000000000LL);
	expect_steps("-9", step(1, 18), SX_DEC_OK, -9000000000000000000LL);
	/* Large step mantissa: multiples decided exactly. */
	expect_steps("9223372036854775807", step(INT64_MAX, 0), SX_DEC_OK, 1);
	expect_steps("9223372036854775806", step(INT64_MAX, 0), SX_DEC_NOT_MULTIPLE, 0);
	expect_steps("0.000000000000000003", step(3, 18), SX_DEC_OK, 1);
}

static void test_to_steps_odd_inputs(void **state)
{
	(void)state;
	int64_t out = 99;
	struct sx_dec d = { .mant = 1500, .exp10 = -3, .neg = false }; /* 1.5, not canonical */
	assert_int_equal(sx_dec_to_steps(&d, step(1, 1), &out), SX_DEC_OK);
	assert_int_equal(out, 15);
	assert_int_equal(sx_dec_to_steps(&d, step(0, 1), &out), SX_DEC_OVERFLOW);
	assert_int_equal(out, 0);
	assert_int_equal(sx_dec_to_steps(&d, step(-5, 1), &out), SX_DEC_OVERFLOW);
	d.mant = 0;
	d.exp10 = 77;
	d.neg = true;
	assert_int_equal(sx_dec_to_steps(&d, step(3, 0), &out), SX_DEC_OK);
	assert_int_equal(out, 0);
	/* A hand-built value with an extreme exponent does not misbehave. */
	d.mant = 1;
	d.exp10 = INT32_MIN;
	d.neg = false;
	assert_int_equal(sx_dec_to_steps(&d, step(1, 18), &out), SX_DEC_NOT_MULTIPLE);
	d.exp10 = INT32_MAX;
	assert_int_equal(sx_dec_to_steps(&d, step(1, 18), &out), SX_DEC_OVERFLOW);
	d.mant = ~(u128)0; /* ends in 5: canonical, huge */
	d.exp10 = 0;
	assert_int_equal(sx_dec_to_steps(&d, step(1, 0), &out), SX_DEC_OVERFLOW);
	assert_int_equal(sx_dec_to_steps(&d, step(2, 0), &out), SX_DEC_NOT_MULTIPLE);
}

static void expect_step(const char *s, int64_t mant, uint8_t dec)
{
	struct sx_step st;
	int rc = sx_step_parse(s, strlen(s), &st);
	if (rc != 0)
		fail_msg("step_parse(\"%s\") = %d", s, rc);
	if (st.mant != mant || st.dec != dec)
		fail_msg("step_parse(\"%s\") = %lld/%u, want %lld/%u", s, (long long)st.mant,
			 (unsigned)st.dec, (long long)mant, (unsigned)dec);
}

static void expect_step_bad(const char *s)
{
	struct sx_step st;
	int rc = sx_step_parse(s, strlen(s), &st);
	if (rc != -EINVAL)
		fail_msg("step_parse(\"%s\") = %d, want -EINVAL", s, rc);
}

static void test_step_parse(void **state)
{
	(void)state;
	expect_step("0.01", 1, 2);
	expect_step("0.50", 5, 1);
	expect_step("0.5", 5, 1);
	expect_step("0.25", 25, 2);
	expect_step("10", 10, 0);
	expect_step("1", 1, 0);
	expect_step("1e-6", 1, 6);
	expect_step("1E2", 100, 0);
	expect_step("2.5e-3", 25, 4);
	expect_step("0.000000000000000001", 1, 18);
	expect_step("1e-18", 1, 18);
	expect_step("9223372036854775807", INT64_MAX, 0);
	expect_step("9.223372036854775807", INT64_MAX, 18);
	expect_step("1e18", 1000000000000000000LL, 0);
	expect_step("100.000", 100, 0);

	expect_step_bad("0");
	expect_step_bad("0.00");
	expect_step_bad("-0.01");
	expect_step_bad("-1");
	expect_step_bad("1e-19");
	expect_step_bad("0.0000000000000000001");
	expect_step("0.0000000000000000010", 1, 18); /* 19 written decimals, canonical 18 */
	expect_step_bad("9223372036854775808");
	expect_step_bad("1e19");
	expect_step_bad("92233720368547758.08e2");
	expect_step_bad("0.9223372036854775808");
	expect_step_bad("");
	expect_step_bad(".5");
	expect_step_bad("+1");
	expect_step_bad("01");
	expect_step_bad("1.");
	expect_step_bad(" 1");
	expect_step_bad("abc");
	expect_step_bad("1e1000000001");
}

static void test_step_parse_trailing_zero_decimals(void **state)
{
	(void)state;
	/* 19 written decimals but canonical dec 17: accepted as 1e-17. */
	expect_step("0.0000000000000000100", 1, 17);
}

static void test_step_unit(void **state)
{
	(void)state;
	struct sx_step u = sx_step_unit(6);
	assert_int_equal(u.mant, 1);
	assert_int_equal(u.dec, 6);
	u = sx_step_unit(0);
	assert_int_equal(u.mant, 1);
	assert_int_equal(u.dec, 0);
	u = sx_step_unit(18);
	assert_int_equal(u.mant, 1);
	assert_int_equal(u.dec, 18);
}

static void expect_fmt(int64_t v, uint8_t dec, const char *want)
{
	char buf[SX_DEC_FMT_MAX + 1 + 8];
	memset(buf, 'Z', sizeof buf);
	size_t n = sx_dec_format(v, dec, buf);
	if (n != strlen(want) || strcmp(buf, want) != 0)
		fail_msg("format(%lld, %u) = \"%s\" (%zu), want \"%s\"", (long long)v,
			 (unsigned)dec, buf, n, want);
	assert_true(n <= SX_DEC_FMT_MAX);
	for (size_t k = n + 1; k < sizeof buf; k++)
		assert_int_equal(buf[k], 'Z');
}

static void test_format(void **state)
{
	(void)state;
	expect_fmt(-12340, 3, "-12.340");
	expect_fmt(5, 2, "0.05");
	expect_fmt(7, 0, "7");
	expect_fmt(0, 0, "0");
	expect_fmt(0, 2, "0.00");
	expect_fmt(0, 18, "0.000000000000000000");
	expect_fmt(-5, 2, "-0.05");
	expect_fmt(-1, 0, "-1");
	expect_fmt(100, 2, "1.00");
	expect_fmt(10050, 2, "100.50");
	expect_fmt(123, 3, "0.123");
	expect_fmt(1234, 3, "1.234");
	expect_fmt(5000000000LL, 6, "5000.000000");
	expect_fmt(1, 18, "0.000000000000000001");
	expect_fmt(INT64_MAX, 0, "9223372036854775807");
	expect_fmt(INT64_MIN, 0, "-9223372036854775808");
	expect_fmt(INT64_MAX, 18, "9.223372036854775807");
	expect_fmt(INT64_MIN, 18, "-9.223372036854775808");
	expect_fmt(INT64_MIN, 19, "-0.9223372036854775808");
	expect_fmt(INT64_MIN, 25, "-0.0000009223372036854775808");
	expect_fmt(-1, 45, "-0.000000000000000000000000000000000000000000001");
	expect_fmt(3, 46, "");
	expect_fmt(3, 255, "");
}

static void expect_fmt128(u128 mag, bool neg, uint8_t dec, const char *want)
{
	char buf[SX_DEC_FMT_MAX + 1 + 8];
	memset(buf, 'Z', sizeof buf);
	size_t n = sx_dec_format128(mag, neg, dec, buf);
	if (n != strlen(want) || strcmp(buf, want) != 0)
		fail_msg("format128(.., %d, %u) = \"%s\", want \"%s\"", (int)neg, (unsigned)dec,
			 buf, want);
	assert_true(n <= SX_DEC_FMT_MAX);
	for (size_t k = n + 1; k < sizeof buf; k++)
		assert_int_equal(buf[k], 'Z');
}

static void test_format128(void **state)
{
	(void)state;
	u128 max = ~(u128)0;
	expect_fmt128(max, false, 0, "340282366920938463463374607431768211455");
	expect_fmt128(max, true, 0, "-340282366920938463463374607431768211455");
	expect_fmt128(max, true, 18, "-340282366920938463463.374607431768211455");
	expect_fmt128(max, true, 39, "-0.340282366920938463463374607431768211455");
	expect_fmt128(max, true, 45, "-0.000000340282366920938463463374607431768211455");
	expect_fmt128(0, true, 2, "0.00");
	expect_fmt128(0, true, 0, "0");
	expect_fmt128(12340, true, 3, "-12.340");
	expect_fmt128((u128)1 << 64, false, 2, "184467440737095516.16");
	expect_fmt128(1, false, 0, "1");
}

/* Format then parse: the text round-trips to the same value. */
static void test_format_parse_roundtrip(void **state)
{
	(void)state;
	const int64_t vals[] = { 0, 1, -1, 10, -10, 12340, -999, INT64_MAX, INT64_MIN,
				 INT64_MIN + 1, 1000000000000000000LL };
	for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
		for (uint8_t dec = 0; dec <= 18; dec++) {
			char buf[SX_DEC_FMT_MAX + 1];
			size_t n = sx_dec_format(vals[k], dec, buf);
			struct sx_dec d;
			assert_int_equal(sx_dec_parse(buf, n, &d), SX_DEC_OK);
			int64_t out;
			enum sx_dec_status rc = sx_dec_to_steps(&d, sx_step_unit(dec), &out);
			if (vals[k] == INT64_MIN) {
				assert_int_equal(rc, SX_DEC_OVERFLOW); /* |INT64_MIN| > INT64_MAX */
			} else {
				assert_int_equal(rc, SX_DEC_OK);
				assert_int_equal(out, vals[k]);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_zero),
		cmocka_unit_test(test_parse_syntax),
		cmocka_unit_test(test_parse_significant_digits),
		cmocka_unit_test(test_parse_exponent_limits),
		cmocka_unit_test(test_to_steps_exact),
		cmocka_unit_test(test_to_steps_cases),
		cmocka_unit_test(test_to_steps_odd_inputs),
		cmocka_unit_test(test_step_parse),
		cmocka_unit_test(test_step_parse_trailing_zero_decimals),
		cmocka_unit_test(test_step_unit),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format128),
		cmocka_unit_test(test_format_parse_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
