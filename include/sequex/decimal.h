/*
 * sequex/decimal.h - exact decimal numbers: parse text (JSON number grammar)
 * into an exact decimal, convert it to an integer count of a step, and
 * format fixed-point integers back to decimal strings.
 *
 * Pure functions over (buf, len): no allocation, no globals, no floating
 * point. Safe from any thread.
 */
#ifndef SEQUEX_DECIMAL_H
#define SEQUEX_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A step (tick, lot, asset minor unit): value = mant * 10^-dec, mant >= 1,
 * dec <= 18, mant has no trailing zeros when dec > 0 (canonical form, so
 * "0.50" and "0.5" give the same step with dec = 1).
 */
struct sx_step {
	int64_t mant;
	uint8_t dec;
};

/*
 * An exact parsed decimal: value = (neg ? -1 : 1) * mant * 10^exp10.
 * mant has no trailing zeros (they are folded into exp10); zero is mant 0,
 * exp10 0, neg false ("-0" parses as zero, not negative).
 */
struct sx_dec {
	unsigned __int128 mant;
	int32_t exp10;
	bool neg;
};

enum sx_dec_status {
	SX_DEC_OK = 0,
	SX_DEC_SYNTAX,       /* not the JSON number grammar */
	SX_DEC_OVERFLOW,     /* too large to represent / convert */
	SX_DEC_NOT_MULTIPLE  /* not a whole number of the step */
};

/*
 * Parse s[0..n) with exactly RFC 8259's number grammar
 * (-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?), nothing before or after
 * it. Rejects "+1", ".5", "01", "1.", " 1", "" with SX_DEC_SYNTAX. More than
 * 38 significant digits, or a normalized exp10 whose magnitude would exceed
 * 10^9, gives SX_DEC_OVERFLOW (a nonzero value that small is also reported
 * as SX_DEC_OVERFLOW from parse; callers treat it as INVALID_NUMBER). Zero
 * is zero whatever its exponent ("0e99999999999" is OK). Syntax is
 * checked first; *out is zero on any error.
 */
enum sx_dec_status sx_dec_parse(const char *s, size_t n, struct sx_dec *out);

/*
 * Convert d to a whole number of steps: *out = d / step. Returns
 * SX_DEC_NOT_MULTIPLE when d is not an exact multiple of step,
 * SX_DEC_OVERFLOW when |d| / step, or |d| expressed in units of
 * 10^-step.dec, exceeds INT64_MAX (so out * step.mant always fits in an
 * int64). Negative values convert to negative counts. Step before range:
 * NOT_MULTIPLE is decided exactly first, even for a value too large.
 * A step with mant < 1 gives SX_DEC_OVERFLOW. *out is 0 on any error.
 */
enum sx_dec_status sx_dec_to_steps(const struct sx_dec *d, struct sx_step step,
				   int64_t *out);

/*
 * Parse a step for configuration: a positive decimal with at most 18
 * decimals whose scaled mantissa fits int64. Returns 0 or -EINVAL.
 */
int sx_step_parse(const char *s, size_t n, struct sx_step *out);

/* The step 10^-decimals (one minor unit of an asset with that many decimals). */
struct sx_step sx_step_unit(uint8_t decimals);

/*
 * Format v * 10^-dec with exactly dec decimals ("-12.340" for v=-12340,
 * dec=3; "0.05" for v=5, dec=2; "7" for dec=0). Writes at most
 * SX_DEC_FMT_MAX bytes plus a NUL to buf and returns the length (no NUL).
 * dec must be <= 45; a larger dec writes "" and returns 0.
 */
#define SX_DEC_FMT_MAX 48
size_t sx_dec_format(int64_t v, uint8_t dec, char *buf);

/* Same for an unsigned 128-bit magnitude with an explicit sign (a zero
 * magnitude prints without '-'). */
size_t sx_dec_format128(unsigned __int128 mag, bool neg, uint8_t dec, char *buf);

#endif
