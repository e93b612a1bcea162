/*
 * json.c - strict RFC 8259 scanner and string helpers for untrusted lines.
 *
 * Role: validate a whole document in one pass and record the top-level
 * members as spans into the caller's buffer; decode/encode string contents.
 *
 * Invariants:
 *  - never reads outside buf[0..len) nor writes outside the caller's arrays;
 *  - no allocation, no globals, no recursion: nesting is tracked in a 64-bit
 *    stack of container kinds, so depth is bounded by min(max_depth, 64);
 *  - the first error in document order decides the status, except EMEMBERS,
 *    which is only reported once the whole document is known to be valid;
 *  - strings are strict UTF-8 (no overlong forms, no encoded surrogates,
 *    nothing above U+10FFFF, no truncated sequence), have no raw byte
 *    < 0x20, and their \u escapes never leave a lone surrogate.
 */
#include "sequex/json.h"

#include <limits.h>
#include <string.h>

#include "sequex/types.h"

#define STACK_MAX 64u /* containers the kind stack can hold */

enum scan_state {
	ST_VALUE,          /* a value must follow */
	ST_VALUE_OR_CLOSE, /* just after '[': a value or ']' */
	ST_KEY,            /* a key string must follow (after ',' in an object) */
	ST_KEY_OR_CLOSE,   /* just after '{': a key or '}' */
	ST_COLON,          /* after a key */
	ST_AFTER           /* after a value: ',' or a close, or the end at depth 0 */
};

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Value of a hex digit, or -1. */
static int hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at b[i..i+4) as a code unit, or -1 (also when truncated). */
static long hex4(const unsigned char *b, size_t len, size_t i)
{
	if (i > len || len - i < 4)
		return -1;
	long v = 0;
	for (size_t k = 0; k < 4; k++) {
		int h = hex_val(b[i + k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * Length of the strict UTF-8 sequence starting at b[i] (a byte >= 0x80),
 * or 0 when it is invalid or truncated (Unicode Table 3-7).
 */
static size_t utf8_seq(const unsigned char *b, size_t len, size_t i)
{
	unsigned char c = b[i];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need;

	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0; /* overlong below U+0800 */
		else if (c == 0xED)
			hi = 0x9F; /* U+D800..DFFF */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	} else {
		return 0; /* 0x80..0xC1 (continuation, overlong lead), 0xF5..0xFF */
	}
	if (len - i - 1 < need)
		return 0;
	if (b[i + 1] < lo || b[i + 1] > hi)
		return 0;
	for (size_t k = 2; k <= need; k++)
		if (b[i + k] < 0x80 || b[i + k] > 0xBF)
			return 0;
	return need + 1;
}

/*
 * Scan a string whose opening quote is at b[*pi]. On success *pi is just
 * past the closing quote, *content_off and *content_len span the raw content,
 * *esc tells whether it holds a backslash.
 */
static enum sx_json_status scan_string(const unsigned char *b, size_t len, size_t *pi,
				       size_t *content_off, size_t *content_len, bool *esc)
{
	size_t i = *pi + 1;
	*esc = false;
	*content_off = i;
	for (;;) {
		if (i >= len)
			return SX_JSON_ESYNTAX; /* unterminated */
		unsigned char c = b[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return SX_JSON_ESYNTAX;
		if (c == '\\') {
			*esc = true;
			if (i + 1 >= len)
				return SX_JSON_ESYNTAX;
			unsigned char e = b[i + 1];
			if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' ||
			    e == 'n' || e == 'r' || e == 't') {
				i += 2;
				continue;
			}
			if (e != 'u')
				return SX_JSON_ESYNTAX;
			long u = hex4(b, len, i + 2);
			if (u < 0)
				return SX_JSON_ESYNTAX;
			i += 6;
			if (u >= 0xDC00 && u <= 0xDFFF)
				return SX_JSON_ESYNTAX; /* lone low surrogate */
			if (u >= 0xD800 && u <= 0xDBFF) {
				/* A high surrogate must be followed by \u + a low one. */
				if (i + 1 >= len || b[i] != '\\' || b[i + 1] != 'u')
					return SX_JSON_ESYNTAX;
				long lo = hex4(b, len, i + 2);
				if (lo < 0xDC00 || lo > 0xDFFF)
					return SX_JSON_ESYNTAX;
				i += 6;
			}
			continue;
		}
		if (c >= 0x80) {
			size_t k = utf8_seq(b, len, i);
			if (k == 0)
				return SX_JSON_EUTF8;
			i += k;
			continue;
		}
		i++;
	}
	*content_len = i - *content_off;
	*pi = i + 1;
	return SX_JSON_OK;
}

/* Scan a number at b[*pi] (a '-' or a digit); *pi ends just past it. */
static enum sx_json_status scan_number(const unsigned char *b, size_t len, size_t *pi)
{
	size_t i = *pi;
	if (b[i] == '-')
		i++;
	if (i >= len)
		return SX_JSON_ESYNTAX;
	if (b[i] == '0') {
		i++;
	} else if (b[i] >= '1' && b[i] <= '9') {
		while (i < len && is_digit(b[i]))
			i++;
	} else {
		return SX_JSON_ESYNTAX;
	}
	if (i < len && b[i] == '.') {
		i++;
		if (i >= len || !is_digit(b[i]))
			return SX_JSON_ESYNTAX;
		while (i < len && is_digit(b[i]))
			i++;
	}
	if (i < len && (b[i] == 'e' || b[i] == 'E')) {
		i++;
		if (i < len && (b[i] == '+' || b[i] == '-'))
			i++;
		if (i >= len || !is_digit(b[i]))
			return SX_JSON_ESYNTAX;
		while (i < len && is_digit(b[i]))
			i++;
	}
	/* "01", "1x", "-" are caught by the caller: what follows must be a delimiter. */
	*pi = i;
	return SX_JSON_OK;
}

/* Match the literal lit at b[*pi]; *pi ends just past it. */
static enum sx_json_status scan_literal(const unsigned char *b, size_t len, size_t *pi,
					const char *lit, size_t lit_len)
{
	if (len - *pi < lit_len || memcmp(b + *pi, lit, lit_len) != 0)
		return SX_JSON_ESYNTAX;
	*pi += lit_len;
	return SX_JSON_OK;
}

enum sx_json_status sx_json_scan(const char *buf, size_t len, unsigned max_depth,
				 struct sx_json_member *members, size_t cap,
				 size_t *n, enum sx_json_type *top)
{
	const unsigned char *b = (const unsigned char *)buf;
	unsigned limit = max_depth < STACK_MAX ? max_depth : STACK_MAX;
	uint64_t kinds = 0;  /* bit k set: the container at depth k+1 is an object */
	unsigned depth = 0;  /* containers currently open */
	size_t count = 0;    /* top-level members seen (may exceed cap) */
	struct sx_json_member cur;
	enum scan_state st = ST_VALUE;
	enum sx_json_status rc;
	size_t i = 0;

	*n = 0;
	*top = SX_JSON_NULL;
	memset(&cur, 0, sizeof cur);
	if (len > SX_LINE_MAX || len > UINT32_MAX)
		return SX_JSON_ETOOBIG;
	if (len > 0 && buf == NULL)
		return SX_JSON_ESYNTAX;

	for (;;) {
		while (i < len && is_ws(b[i]))
			i++;
		if (i >= len) {
			if (st == ST_AFTER && depth == 0)
				break;
			return SX_JSON_ESYNTAX; /* empty input or truncated document */
		}
		unsigned char c = b[i];
		bool in_object = depth > 0 && ((kinds >> (depth - 1)) & 1u);

		switch (st) {
		case ST_AFTER:
			if (depth == 0)
				return SX_JSON_ESYNTAX; /* trailing garbage */
			if (c == ',') {
				st = in_object ? ST_KEY : ST_VALUE;
				i++;
				continue;
			}
			if (c != (in_object ? '}' : ']'))
				return SX_JSON_ESYNTAX;
			break; /* close */
		case ST_COLON:
			if (c != ':')
				return SX_JSON_ESYNTAX;
			st = ST_VALUE;
			i++;
			continue;
		case ST_KEY_OR_CLOSE:
		case ST_KEY: {
			if (c == '}' && st == ST_KEY_OR_CLOSE)
				break; /* close */
			if (c != '"')
				return SX_JSON_ESYNTAX;
			size_t off, klen;
			bool esc;
			rc = scan_string(b, len, &i, &off, &klen, &esc);
			if (rc != SX_JSON_OK)
				return rc;
			if (depth == 1) {
				cur.key_off = (uint32_t)off;
				cur.key_len = (uint32_t)klen;
				cur.key_esc = esc;
			}
			st = ST_COLON;
			continue;
		}
		case ST_VALUE_OR_CLOSE:
		case ST_VALUE:
			if (c == ']' && st == ST_VALUE_OR_CLOSE)
				break; /* close */
			if (c == '{' || c == '[') {
				if (depth + 1 > limit)
					return SX_JSON_EDEPTH;
				enum sx_json_type t = c == '{' ? SX_JSON_OBJECT : SX_JSON_ARRAY;
				if (depth == 0) {
					*top = t;
				} else if (depth == 1) {
					cur.val_off = (uint32_t)i;
					cur.type = (uint8_t)t;
				}
				if (c == '{')
					kinds |= (uint64_t)1 << depth;
				else
					kinds &= ~((uint64_t)1 << depth);
				depth++;
				st = c == '{' ? ST_KEY_OR_CLOSE : ST_VALUE_OR_CLOSE;
				i++;
				continue;
			}
			/* A scalar: the top-level one alone counts as depth 1. */
			if (depth == 0 && limit < 1)
				return SX_JSON_EDEPTH;
			size_t start = i, voff = i, vlen = 0;
			bool vesc = false;
			enum sx_json_type t;
			if (c == '"') {
				t = SX_JSON_STRING;
				rc = scan_string(b, len, &i, &voff, &vlen, &vesc);
			} else if (c == '-' || is_digit(c)) {
				t = SX_JSON_NUMBER;
				rc = scan_number(b, len, &i);
			} else if (c == 't') {
				t = SX_JSON_TRUE;
				rc = scan_literal(b, len, &i, "true", 4);
			} else if (c == 'f') {
				t = SX_JSON_FALSE;
				rc = scan_literal(b, len, &i, "false", 5);
			} else if (c == 'n') {
				t = SX_JSON_NULL;
				rc = scan_literal(b, len, &i, "null", 4);
			} else {
				return SX_JSON_ESYNTAX; /* incl. NaN, Infinity, ', bytes >= 0x80 */
			}
			if (rc != SX_JSON_OK)
				return rc;
			if (t != SX_JSON_STRING)
				vlen = i - start;
			if (depth == 0) {
				*top = t;
			} else if (depth == 1) {
				cur.val_off = (uint32_t)voff;
				cur.val_len = (uint32_t)vlen;
				cur.type = (uint8_t)t;
				cur.val_esc = vesc;
				if (count < cap)
					members[count] = cur;
				count++;
				memset(&cur, 0, sizeof cur);
			}
			st = ST_AFTER;
			continue;
		}

		/* Only a matching close bracket reaches here. */
		depth--;
		i++;
		if (depth == 1) {
			/* A nested container member just ended. */
			cur.val_len = (uint32_t)(i - cur.val_off);
			cur.val_esc = false;
			if (count < cap)
				members[count] = cur;
			count++;
			memset(&cur, 0, sizeof cur);
		}
		st = ST_AFTER;
	}

	if (*top == SX_JSON_OBJECT || *top == SX_JSON_ARRAY) {
		if (count > cap) {
			*n = cap;
			return SX_JSON_EMEMBERS;
		}
		*n = count;
	}
	return SX_JSON_OK;
}

/*
 * Decode the escape at s[*pi] (a backslash) into a code point; *pi moves
 * past it (past both halves of a surrogate pair). Returns false when the
 * escape is malformed, which validated content never is.
 */
static bool decode_escape(const unsigned char *s, size_t n, size_t *pi, unsigned long *cp)
{
	size_t i = *pi;
	if (i >= n || n - i < 2)
		return false;
	switch (s[i + 1]) {
	case '"': *cp = '"'; break;
	case '\\': *cp = '\\'; break;
	case '/': *cp = '/'; break;
	case 'b': *cp = '\b'; break;
	case 'f': *cp = '\f'; break;
	case 'n': *cp = '\n'; break;
	case 'r': *cp = '\r'; break;
	case 't': *cp = '\t'; break;
	case 'u': {
		long u = hex4(s, n, i + 2);
		if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF))
			return false;
		i += 6;
		*cp = (unsigned long)u;
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (n - i < 2 || s[i] != '\\' || s[i + 1] != 'u')
				return false;
			long lo = hex4(s, n, i + 2);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return false;
			*cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) +
			      ((unsigned long)lo - 0xDC00);
			i += 6;
		}
		*pi = i;
		return true;
	}
	default:
		return false;
	}
	*pi = i + 2;
	return true;
}

/* Encode cp (<= U+10FFFF) as UTF-8 into u[]; returns its length. */
static size_t encode_utf8(unsigned long cp, unsigned char u[4])
{
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	u[0] = (unsigned char)(0xF0 | (cp >> 18));
	u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	u[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Next decoded chunk of raw string content at s[*pi]: 1..4 bytes in u[].
 * Returns 0 on malformed content. *nul is set when the chunk is U+0000.
 */
static size_t next_chunk(const unsigned char *s, size_t n, size_t *pi, unsigned char u[4],
			 bool *nul)
{
	if (s[*pi] != '\\') {
		u[0] = s[*pi];
		(*pi)++;
		*nul = u[0] == 0;
		return 1;
	}
	unsigned long cp;
	if (!decode_escape(s, n, pi, &cp))
		return 0;
	*nul = cp == 0;
	return encode_utf8(cp, u);
}

long sx_json_unescape(const char *s, size_t n, char *out, size_t cap)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t len = 0, i = 0;
	bool any_nul = false;

	/* Decode everything (writing only what fits) so -2 does not depend on cap. */
	while (i < n) {
		unsigned char u[4];
		bool nul;
		size_t k = next_chunk(b, n, &i, u, &nul);
		if (k == 0)
			return -1;
		any_nul |= nul;
		for (size_t j = 0; j < k; j++, len++)
			if (len < cap)
				out[len] = (char)u[j];
	}
	if (any_nul)
		return -2;
	if (len > cap || len > (size_t)LONG_MAX)
		return -1;
	return (long)len;
}

bool sx_json_str_eq(const char *raw, size_t n, bool esc, const char *lit)
{
	const unsigned char *b = (const unsigned char *)raw;
	const unsigned char *l = (const unsigned char *)lit;

	if (!esc) {
		size_t ll = strlen(lit);
		return ll == n && (n == 0 || memcmp(raw, lit, n) == 0);
	}
	size_t i = 0, j = 0;
	while (i < n) {
		unsigned char u[4];
		bool nul;
		size_t k = next_chunk(b, n, &i, u, &nul);
		if (k == 0 || nul)
			return false; /* malformed, or U+0000 which no C string holds */
		for (size_t q = 0; q < k; q++, j++)
			if (l[j] != u[q]) /* also stops at lit's NUL: u[q] != 0 */
				return false;
	}
	return l[j] == '\0';
}

/* Bytes s[i] needs inside a JSON string literal. */
static size_t quoted_len(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' ||
	    c == '\t')
		return 2;
	if (c < 0x20)
		return 6; /* \u00XX */
	return 1;
}

size_t sx_json_quote(const char *s, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b = (const unsigned char *)s;
	size_t need = 2;

	for (size_t i = 0; i < n; i++)
		need += quoted_len(b[i]);
	if (need > cap)
		return need; /* write nothing unless the whole literal fits */

	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = b[i];
		char e = 0;
		switch (c) {
		case '"': e = '"'; break;
		case '\\': e = '\\'; break;
		case '\b': e = 'b'; break;
		case '\f': e = 'f'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		default: break;
		}
		if (e != 0) {
			out[o++] = '\\';
			out[o++] = e;
		} else if (c < 0x20) {
			out[o++] = '\\';
			out[o++] = 'u';
			out[o++] = '0';
			out[o++] = '0';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xF];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	return o;
}
