/*
 * fuzz_json.c - libFuzzer target for json.c and decimal.c on arbitrary bytes.
 *
 * Invariants checked (abort() on violation):
 *  - sx_json_scan never reads or writes out of bounds (ASan) and its result
 *    does not depend on member capacity except through EMEMBERS;
 *  - every recorded span lies inside the input, strings are bracketed by
 *    quotes, *_esc matches the presence of a backslash, and every span
 *    re-scans on its own as a valid value of the recorded type;
 *  - a whole input that sx_dec_parse accepts is a JSON number, and vice versa;
 *  - unescape of any string member never exceeds the raw length, agrees
 *    with str_eq, and quote -> scan -> unescape gives the same bytes back;
 *  - every number member (and numeric string) parses (OK or OVERFLOW, never SYNTAX) to a
 *    canonical sx_dec, and to_steps/format/parse round-trips exactly.
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *        src/json.c src/decimal.c tests/fuzz/fuzz_json.c -o fuzz_json
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sequex/decimal.h"
#include "sequex/json.h"
#include "sequex/types.h"

#define FZ_CAP 32
#define FZ_QUOTE_MAX 4096 /* decoded strings longer than this skip the quote check */

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond))                                                             \
			abort();                                                         \
	} while (0)

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* 10^38: the canonical mantissa bound of sx_dec. */
static unsigned __int128 pow10_38(void)
{
	unsigned __int128 r = 1;
	for (int k = 0; k < 38; k++)
		r *= 10;
	return r;
}

static void check_number(const char *s, size_t n)
{
	struct sx_dec d;
	enum sx_dec_status rc = sx_dec_parse(s, n, &d);
	CHECK(rc == SX_DEC_OK || rc == SX_DEC_OVERFLOW);
	if (rc != SX_DEC_OK) {
		CHECK(d.mant == 0 && d.exp10 == 0 && !d.neg);
		return;
	}
	if (d.mant == 0) {
		CHECK(d.exp10 == 0 && !d.neg);
		return;
	}
	CHECK(d.mant % 10 != 0);
	CHECK(d.mant < pow10_38());
	CHECK(d.exp10 <= 1000000000 && d.exp10 >= -1000000000);

	for (uint8_t dec = 0; dec <= 18; dec++) {
		int64_t v;
		enum sx_dec_status r2 = sx_dec_to_steps(&d, sx_step_unit(dec), &v);
		if (r2 != SX_DEC_OK) {
			CHECK(r2 == SX_DEC_OVERFLOW || r2 == SX_DEC_NOT_MULTIPLE);
			CHECK(v == 0);
			continue;
		}
		CHECK(v != INT64_MIN);
		CHECK((v < 0) == d.neg);
		char buf[SX_DEC_FMT_MAX + 1];
		size_t fl = sx_dec_format(v, dec, buf);
		CHECK(fl > 0 && fl <= SX_DEC_FMT_MAX && buf[fl] == '\0');
		struct sx_dec back;
		CHECK(sx_dec_parse(buf, fl, &back) == SX_DEC_OK);
		CHECK(back.mant == d.mant && back.exp10 == d.exp10 && back.neg == d.neg);
		int64_t v2;
		CHECK(sx_dec_to_steps(&back, sx_step_unit(dec), &v2) == SX_DEC_OK && v2 == v);
		/* A coarser step: the count times the step mantissa is the unit count. */
		struct sx_step st = { .mant = 5, .dec = dec };
		int64_t q;
		enum sx_dec_status r3 = sx_dec_to_steps(&d, st, &q);
		if (r3 == SX_DEC_OK)
			CHECK(q * 5 == v);
		else
			CHECK(r3 == SX_DEC_NOT_MULTIPLE && v % 5 != 0);
	}
	/* The same text is a valid step exactly when it is positive and fine enough. */
	struct sx_step st;
	if (sx_step_parse(s, n, &st) == 0) {
		CHECK(!d.neg && st.mant >= 1 && st.dec <= 18);
		CHECK(st.dec == 0 || st.mant % 10 != 0);
		int64_t one;
		CHECK(sx_dec_to_steps(&d, st, &one) == SX_DEC_OK && one == 1);
	}
}

static void check_string(const char *raw, size_t n, bool esc)
{
	char dec[SX_LINE_MAX + 1];
	CHECK((memchr(raw, '\\', n) != NULL) == esc);
	/* Decoding never grows: cap = n is always enough. */
	long r = sx_json_unescape(raw, n, dec, n);
	CHECK(r == -2 || (r >= 0 && (size_t)r <= n));
	if (!esc)
		CHECK(r == (long)n && memcmp(dec, raw, n) == 0);
	if (r == -2) {
		CHECK(esc); /* only \u0000 decodes to NUL in a valid string */
		CHECK(sx_json_unescape(raw, n, dec, 0) == -2);
		return;
	}
	size_t dl = (size_t)r;
	if (dl > 0) {
		CHECK(sx_json_unescape(raw, n, dec, dl - 1) == -1);
	}
	dec[dl] = '\0';
	CHECK(memchr(dec, '\0', dl) == NULL);
	CHECK(sx_json_str_eq(raw, n, esc, dec));
	if (dl > 0) {
		char saved = dec[dl - 1];
		dec[dl - 1] = '\0';
		CHECK(!sx_json_str_eq(raw, n, esc, dec));
		dec[dl - 1] = saved;
	}
	/* Numeric strings ("qty":"1.5") go through the same decimal checks. */
	if (dl < 200) {
		struct sx_dec d;
		if (sx_dec_parse(dec, dl, &d) != SX_DEC_SYNTAX)
			check_number(dec, dl);
	}
	if (dl > FZ_QUOTE_MAX)
		return;

	char lit[FZ_QUOTE_MAX * 6 + 2];
	size_t need = sx_json_quote(dec, dl, lit, sizeof lit);
	CHECK(need >= dl + 2 && need <= sizeof lit);
	CHECK(sx_json_quote(dec, dl, lit, need - 1) == need);
	struct sx_json_member m[1];
	size_t mn = 99;
	enum sx_json_type top;
	CHECK(sx_json_scan(lit, need, 1, m, 1, &mn, &top) == SX_JSON_OK);
	CHECK(top == SX_JSON_STRING && mn == 0);
	char back[FZ_QUOTE_MAX + 1];
	long r2 = sx_json_unescape(lit + 1, need - 2, back, sizeof back);
	CHECK(r2 == (long)dl && memcmp(back, dec, dl) == 0);
	CHECK(sx_json_str_eq(lit + 1, need - 2, memchr(lit + 1, '\\', need - 2) != NULL, dec));
}

/* A recorded value span must scan on its own as a value of its type. */
static void check_value_span(const char *buf, size_t len, const struct sx_json_member *m)
{
	uint64_t end = (uint64_t)m->val_off + m->val_len;
	CHECK(end <= len);
	if (m->type == SX_JSON_STRING) {
		CHECK(m->val_off >= 1 && buf[m->val_off - 1] == '"');
		CHECK(end < len && buf[end] == '"');
		check_string(buf + m->val_off, m->val_len, m->val_esc);
		return;
	}
	CHECK(!m->val_esc);
	CHECK(m->val_len > 0);
	struct sx_json_member inner[1];
	size_t n;
	enum sx_json_type top;
	enum sx_json_status rc = sx_json_scan(buf + m->val_off, m->val_len,
					      SX_JSON_DEPTH_MAX - 1, inner, 0, &n, &top);
	CHECK(rc == SX_JSON_OK || rc == SX_JSON_EMEMBERS);
	CHECK(top == (enum sx_json_type)m->type);
	if (m->type == SX_JSON_NUMBER)
		check_number(buf + m->val_off, m->val_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sx_json_member m[FZ_CAP];
	size_t n = 0;
	enum sx_json_type top = SX_JSON_NULL;

	memset(m, 0, sizeof m);
	enum sx_json_status rc = sx_json_scan(buf, size, SX_JSON_DEPTH_MAX, m, FZ_CAP, &n, &top);
	CHECK(rc <= SX_JSON_ETOOBIG);
	if (size > SX_LINE_MAX)
		CHECK(rc == SX_JSON_ETOOBIG);

	/* The number grammar is the same in both modules. */
	if (size <= SX_LINE_MAX) {
		struct sx_dec d;
		enum sx_dec_status drc = sx_dec_parse(buf, size, &d);
		bool padded = size > 0 && (is_ws(buf[0]) || is_ws(buf[size - 1]));
		if (drc != SX_DEC_SYNTAX)
			CHECK(rc == SX_JSON_OK && top == SX_JSON_NUMBER);
		if (rc == SX_JSON_OK && top == SX_JSON_NUMBER && !padded)
			CHECK(drc != SX_DEC_SYNTAX);
		if (rc == SX_JSON_OK && top == SX_JSON_NUMBER && size < 200) {
			size_t a = 0, b = size;
			while (is_ws(buf[a]))
				a++;
			while (is_ws(buf[b - 1]))
				b--;
			check_number(buf + a, b - a);
		}
	}

	/* Capacity only changes the outcome through EMEMBERS. */
	struct sx_json_member few[2];
	size_t fn = 99;
	enum sx_json_type ftop;
	enum sx_json_status frc = sx_json_scan(buf, size, SX_JSON_DEPTH_MAX, few, 2, &fn, &ftop);
	if (rc == SX_JSON_OK || rc == SX_JSON_EMEMBERS) {
		CHECK(ftop == top);
		if (rc == SX_JSON_OK && n <= 2) {
			CHECK(frc == SX_JSON_OK && fn == n);
		} else {
			CHECK(frc == SX_JSON_EMEMBERS && fn == 2);
			CHECK(memcmp(few, m, sizeof few) == 0);
		}
	} else {
		CHECK(frc == rc);
	}
	/* A deeper limit accepts whatever a shallower one does; cap 0 counts only. */
	if (rc == SX_JSON_OK || rc == SX_JSON_EMEMBERS) {
		size_t dn;
		enum sx_json_type dtop;
		bool container = top == SX_JSON_OBJECT || top == SX_JSON_ARRAY;
		bool empty = rc == SX_JSON_OK && n == 0;
		enum sx_json_status want = container && !empty ? SX_JSON_EMEMBERS : SX_JSON_OK;
		CHECK(sx_json_scan(buf, size, 64, NULL, 0, &dn, &dtop) == want);
		CHECK(dn == 0 && dtop == top);
	}

	if (rc == SX_JSON_EMEMBERS)
		CHECK(n == FZ_CAP);
	if (rc != SX_JSON_OK && rc != SX_JSON_EMEMBERS)
		return 0;
	if (top != SX_JSON_OBJECT && top != SX_JSON_ARRAY) {
		CHECK(n == 0);
		if (top == SX_JSON_STRING) {
			size_t a = 0, b = size;
			while (is_ws(buf[a]))
				a++;
			while (is_ws(buf[b - 1]))
				b--;
			CHECK(buf[a] == '"' && buf[b - 1] == '"' && b - a >= 2);
			check_string(buf + a + 1, b - a - 2, memchr(buf + a + 1, '\\', b - a - 2) != NULL);
		}
		return 0;
	}
	CHECK(n <= FZ_CAP);
	uint64_t prev_end = 0;
	for (size_t k = 0; k < n; k++) {
		CHECK(m[k].type <= SX_JSON_OBJECT);
		if (top == SX_JSON_OBJECT) {
			uint64_t kend = (uint64_t)m[k].key_off + m[k].key_len;
			CHECK(m[k].key_off >= 1 && buf[m[k].key_off - 1] == '"');
			CHECK(kend < size && buf[kend] == '"');
			CHECK(m[k].key_off > prev_end);
			CHECK(m[k].val_off > kend);
			check_string(buf + m[k].key_off, m[k].key_len, m[k].key_esc);
		} else {
			CHECK(m[k].key_len == 0 && !m[k].key_esc);
			CHECK(k == 0 || m[k].val_off > prev_end);
		}
		check_value_span(buf, size, &m[k]);
		prev_end = (uint64_t)m[k].val_off + m[k].val_len;
	}
	return 0;
}
