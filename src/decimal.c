/*
 * decimal.c - exact decimal arithmetic for untrusted number text.
 *
 * Role: parse JSON-grammar numbers into (mant, exp10), convert them to whole
 * step counts, parse configuration steps, and format fixed-point integers.
 *
 * Invariants:
 *  - no floating point, no allocation, no globals: every value is exact;
 *  - a parsed sx_dec is canonical: mant has no trailing zeros, at most 38
 *    significant digits (so it always fits an unsigned __int128), and
 *    |exp10| <= SX_DEC_EXP_MAX; zero is {0, 0, false};
 *  - sx_dec_to_steps only succeeds when |out| * step.mant <= INT64_MAX;
 *  - formatting never writes more than SX_DEC_FMT_MAX bytes plus a NUL.
 */
#include "sequex/decimal.h"

#include <errno.h>

typedef unsigned __int128 u128;

#define SX_DEC_EXP_MAX 1000000000LL  /* |exp10| limit of a parsed decimal */
#define SX_DEC_SIG_MAX 38            /* significant digits that always fit u128 */
#define EXP_TEXT_CLAMP 1000000000000000LL /* exponent text saturates here (1e15) */
#define LEN_GUARD ((size_t)1 << 40)  /* longer text cannot be counted safely below */
#define FMT_DEC_MAX 45               /* largest dec that fits SX_DEC_FMT_MAX */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 10^k for 0 <= k <= 38 (every such power fits u128). */
static u128 pow10_u128(unsigned k)
{
	u128 r = 1;
	while (k-- > 0)
		r *= 10;
	return r;
}

/* (10^k) mod m for m >= 1, by square-and-multiply; products stay < 2^126. */
static uint64_t pow10_mod(uint64_t k, uint64_t m)
{
	u128 result = 1 % m;
	u128 base = 10 % m;
	while (k > 0) {
		if (k & 1)
			result = (result * base) % m;
		base = (base * base) % m;
		k >>= 1;
	}
	return (uint64_t)result;
}

/*
 * The digit string D = integer digits followed by fraction digits, indexed
 * without the '.': digit k of D.
 */
static char digit_at(const char *s, size_t int_start, size_t int_len,
		     size_t frac_start, size_t k)
{
	return k < int_len ? s[int_start + k] : s[frac_start + (k - int_len)];
}

enum sx_dec_status sx_dec_parse(const char *s, size_t n, struct sx_dec *out)
{
	size_t i = 0;
	bool neg = false;

	out->mant = 0;
	out->exp10 = 0;
	out->neg = false;
	if (s == NULL || n == 0)
		return SX_DEC_SYNTAX;

	/* Grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and nothing else. */
	if (s[i] == '-') {
		neg = true;
		i++;
	}
	if (i >= n)
		return SX_DEC_SYNTAX;
	size_t int_start = i;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		return SX_DEC_SYNTAX;
	}
	size_t int_len = i - int_start;
	size_t frac_start = i, frac_len = 0;
	if (i < n && s[i] == '.') {
		i++;
		frac_start = i;
		if (i >= n || !is_digit(s[i]))
			return SX_DEC_SYNTAX;
		while (i < n && is_digit(s[i]))
			i++;
		frac_len = i - frac_start;
	}
	int64_t e = 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		bool eneg = false;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-')) {
			eneg = s[i] == '-';
			i++;
		}
		if (i >= n || !is_digit(s[i]))
			return SX_DEC_SYNTAX;
		/* Saturating: e never exceeds 10 * EXP_TEXT_CLAMP + 9. */
		while (i < n && is_digit(s[i])) {
			if (e < EXP_TEXT_CLAMP)
				e = e * 10 + (s[i] - '0');
			i++;
		}
		if (e > EXP_TEXT_CLAMP)
			e = EXP_TEXT_CLAMP;
		if (eneg)
			e = -e;
	}
	if (i != n)
		return SX_DEC_SYNTAX;
	/* Digit counts below are added to e in int64; keep them far from overflow. */
	if (n > LEN_GUARD)
		return SX_DEC_OVERFLOW;

	/* First and last nonzero digit of D. */
	size_t total = int_len + frac_len;
	size_t first = total, last = 0;
	for (size_t k = 0; k < total; k++) {
		if (digit_at(s, int_start, int_len, frac_start, k) != '0') {
			if (first == total)
				first = k;
			last = k;
		}
	}
	if (first == total)
		return SX_DEC_OK; /* zero, whatever its sign or exponent */
	if (last - first + 1 > SX_DEC_SIG_MAX)
		return SX_DEC_OVERFLOW;

	u128 mant = 0;
	for (size_t k = first; k <= last; k++)
		mant = mant * 10 + (unsigned)(digit_at(s, int_start, int_len, frac_start, k) - '0');
	int64_t trailing = (int64_t)(total - 1 - last);
	int64_t exp10 = e - (int64_t)frac_len + trailing;
	if (exp10 > SX_DEC_EXP_MAX || exp10 < -SX_DEC_EXP_MAX)
		return SX_DEC_OVERFLOW;

	out->mant = mant;
	out->exp10 = (int32_t)exp10;
	out->neg = neg;
	return SX_DEC_OK;
}

enum sx_dec_status sx_dec_to_steps(const struct sx_dec *d, struct sx_step step,
				   int64_t *out)
{
	*out = 0;
	if (step.mant < 1)
		return SX_DEC_OVERFLOW; /* not a step; refuse rather than divide by 0 */
	u128 mant = d->mant;
	if (mant == 0)
		return SX_DEC_OK;
	int64_t exp10 = d->exp10;
	while (mant % 10 == 0) { /* tolerate a hand-built, non-canonical value */
		mant /= 10;
		exp10++;
	}

	/* d in units of 10^-step.dec is U = mant * 10^k. */
	int64_t k = exp10 + (int64_t)step.dec;
	if (k < 0)
		return SX_DEC_NOT_MULTIPLE; /* mant % 10 != 0: U has a fraction */

	/* Step before range: divisibility is decided exactly, even for huge U. */
	uint64_t m = (uint64_t)step.mant;
	uint64_t mant_mod = (uint64_t)(mant % m);
	if ((uint64_t)(((u128)mant_mod * pow10_mod((uint64_t)k, m)) % m) != 0)
		return SX_DEC_NOT_MULTIPLE;

	/* Range: U <= INT64_MAX; 10^19 > INT64_MAX so k <= 18 is necessary. */
	if (k > 18 || mant > (u128)INT64_MAX)
		return SX_DEC_OVERFLOW;
	u128 units = mant * pow10_u128((unsigned)k); /* < 2^63 * 2^60 */
	if (units > (u128)INT64_MAX)
		return SX_DEC_OVERFLOW;
	int64_t q = (int64_t)(units / m);
	*out = d->neg ? -q : q;
	return SX_DEC_OK;
}

int sx_step_parse(const char *s, size_t n, struct sx_step *out)
{
	struct sx_dec d;
	out->mant = 0;
	out->dec = 0;
	if (sx_dec_parse(s, n, &d) != SX_DEC_OK || d.neg || d.mant == 0)
		return -EINVAL;
	if (d.exp10 < 0) {
		if (d.exp10 < -18 || d.mant > (u128)INT64_MAX)
			return -EINVAL;
		out->mant = (int64_t)d.mant;
		out->dec = (uint8_t)-d.exp10;
		return 0;
	}
	/* An integer step: mant * 10^exp10 with dec 0 must fit int64. */
	if (d.exp10 > 18 || d.mant > (u128)INT64_MAX)
		return -EINVAL;
	u128 v = d.mant * pow10_u128((unsigned)d.exp10);
	if (v > (u128)INT64_MAX)
		return -EINVAL;
	out->mant = (int64_t)v;
	out->dec = 0;
	return 0;
}

struct sx_step sx_step_unit(uint8_t decimals)
{
	struct sx_step st = { .mant = 1, .dec = decimals };
	return st;
}

size_t sx_dec_format128(unsigned __int128 mag, bool neg, uint8_t dec, char *buf)
{
	char digits[40]; /* u128 has at most 39 decimal digits; reversed */
	size_t nd = 0;

	if (dec > FMT_DEC_MAX) {
		buf[0] = '\0';
		return 0;
	}
	do {
		digits[nd++] = (char)('0' + (unsigned)(mag % 10));
		mag /= 10;
	} while (mag != 0);

	size_t len = 0;
	bool zero = nd == 1 && digits[0] == '0';
	if (neg && !zero)
		buf[len++] = '-';
	if (nd <= dec) {
		buf[len++] = '0';
		buf[len++] = '.';
		for (size_t z = nd; z < dec; z++)
			buf[len++] = '0';
		while (nd > 0)
			buf[len++] = digits[--nd];
	} else {
		while (nd > dec)
			buf[len++] = digits[--nd];
		if (dec > 0) {
			buf[len++] = '.';
			while (nd > 0)
				buf[len++] = digits[--nd];
		}
	}
	buf[len] = '\0';
	return len;
}

size_t sx_dec_format(int64_t v, uint8_t dec, char *buf)
{
	/* |INT64_MIN| computed without signed overflow. */
	uint64_t mag = v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v;
	return sx_dec_format128(mag, v < 0, dec, buf);
}
