/*
 * test_json.c - unit tests of json.c: valid documents of every kind, every
 * class of syntax error, strict UTF-8, depth and member limits, member
 * spans, and the string helpers (unescape, str_eq, quote).
 *
 * Every expectation is an exact status or span, so any change of behaviour
 * fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sequex/json.h"
#include "sequex/types.h"

#define CAP 16

static enum sx_json_status scan_n(const char *s, size_t len, size_t *n,
				  enum sx_json_type *top, struct sx_json_member *m)
{
	return sx_json_scan(s, len, SX_JSON_DEPTH_MAX, m, CAP, n, top);
}

static void expect_scan(const char *s, size_t len, enum sx_json_status want)
{
	struct sx_json_member m[CAP];
	size_t n;
	enum sx_json_type top;
	enum sx_json_status rc = scan_n(s, len, &n, &top, m);
	if (rc != want) {
		char shown[80];
		size_t k;
		for (k = 0; k < len && k < sizeof shown - 1; k++)
			shown[k] = (s[k] >= 0x20 && s[k] < 0x7f) ? s[k] : '?';
		shown[k] = '\0';
		fail_msg("scan(\"%s\", %zu) = %d, want %d", shown, len, (int)rc, (int)want);
	}
}

#define OK(lit) expect_scan(lit, sizeof(lit) - 1, SX_JSON_OK)
#define SYNTAX(lit) expect_scan(lit, sizeof(lit) - 1, SX_JSON_ESYNTAX)
#define BADUTF8(lit) expect_scan(lit, sizeof(lit) - 1, SX_JSON_EUTF8)

static void test_valid_scalars(void **state)
{
	(void)state;
	struct sx_json_member m[CAP];
	size_t n = 77;
	enum sx_json_type top;
	static const struct {
		const char *doc;
		enum sx_json_type type;
	} cases[] = {
		{ "null", SX_JSON_NULL },     { "true", SX_JSON_TRUE },
		{ "false", SX_JSON_FALSE },   { "0", SX_JSON_NUMBER },
		{ "-0", SX_JSON_NUMBER },     { "1.5e-7", SX_JSON_NUMBER },
		{ "-12.34E+56", SX_JSON_NUMBER }, { "\"\"", SX_JSON_STRING },
		{ "\"abc\"", SX_JSON_STRING }, { " \t\r\n 42 \t\r\n", SX_JSON_NUMBER },
		{ "{}", SX_JSON_OBJECT },     { "[]", SX_JSON_ARRAY },
		{ " { } ", SX_JSON_OBJECT },  { "[ ]", SX_JSON_ARRAY },
		{ "1E5", SX_JSON_NUMBER },    { "0.0", SX_JSON_NUMBER },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		n = 77;
		enum sx_json_status rc = scan_n(cases[k].doc, strlen(cases[k].doc), &n, &top, m);
		if (rc != SX_JSON_OK || top != cases[k].type || n != 0)
			fail_msg("scan(\"%s\") = %d top %d n %zu", cases[k].doc, (int)rc, (int)top,
				 n);
	}
}

static void test_valid_documents(void **state)
{
	(void)state;
	OK("{\"a\":1}");
	OK("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}");
	OK("[1,\"two\",3.0,{\"four\":4},[5],null,true,false]");
	OK("{ \"a\" : 1 , \"b\" : [ 1 , 2 ] }");
	OK("{\"\":\"\"}");
	OK("[[],{},[[]],[{}]]");
	OK("{\"a\":{},\"b\":[],\"c\":{\"x\":[]}}");
	OK("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0041 \\u00e9 \\u20AC\"");
	OK("\"\\ud83d\\ude00\"");            /* valid surrogate pair */
	OK("\"\\uD834\\uDD1E\"");            /* upper-case hex pair */
	OK("\"\\u0000\"");                   /* escaped NUL is valid JSON */
	OK("\"\x7f\"");                      /* DEL is not a control character in JSON */
	OK("[-0,0e0,0E+0,1e-0,123456789012345678901234567890]");
	OK("{\"a\":1,\"a\":2}");             /* duplicate keys are the caller's business */
	OK("[\"\xc3\xa9\",\"\xe2\x82\xac\",\"\xf0\x9f\x98\x80\"]");
	OK("\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");
	OK("\"\xed\x9f\xbf\xee\x80\x80\"");  /* U+D7FF and U+E000 around surrogates */
	OK("\"\xef\xbb\xbf\"");              /* a BOM inside a string is just U+FEFF */
}

static void test_syntax_errors(void **state)
{
	(void)state;
	SYNTAX("");
	SYNTAX("   ");
	SYNTAX("\t\r\n");
	SYNTAX("{");
	SYNTAX("}");
	SYNTAX("[");
	SYNTAX("]");
	SYNTAX("[1,]");                      /* trailing comma */
	SYNTAX("{\"a\":1,}");
	SYNTAX("[,1]");
	SYNTAX("[1,,2]");
	SYNTAX("{,}");
	SYNTAX("{\"a\" 1}");                 /* missing colon */
	SYNTAX("{\"a\"::1}");
	SYNTAX("{\"a\":}");
	SYNTAX("{\"a\"}");
	SYNTAX("{\"a\":1 \"b\":2}");         /* missing comma */
	SYNTAX("[1 2]");
	SYNTAX("{'a':1}");                   /* single quotes */
	SYNTAX("['a']");
	SYNTAX("{a:1}");                     /* unquoted key */
	SYNTAX("{1:1}");
	SYNTAX("{null:1}");
	SYNTAX("[1]//c");                    /* comments */
	SYNTAX("/*c*/[1]");
	SYNTAX("[1 /*c*/]");
	SYNTAX("# c\n1");
	SYNTAX("01");                        /* leading zeros */
	SYNTAX("-01");
	SYNTAX("00");
	SYNTAX("[01]");
	SYNTAX("{\"a\":007}");
	SYNTAX("+1");
	SYNTAX(".5");
	SYNTAX("1.");
	SYNTAX("1.e5");
	SYNTAX("1e");
	SYNTAX("1e+");
	SYNTAX("-");
	SYNTAX("-a");
	SYNTAX("[-]");
	SYNTAX("0x10");
	SYNTAX("1_000");
	SYNTAX("NaN");
	SYNTAX("nan");
	SYNTAX("[NaN]");
	SYNTAX("Infinity");
	SYNTAX("-Infinity");
	SYNTAX("{\"a\":Infinity}");
	SYNTAX("tru");
	SYNTAX("tRue");
	SYNTAX("True");
	SYNTAX("truex");
	SYNTAX("nulll");
	SYNTAX("nul");
	SYNTAX("fals");
	SYNTAX("falsey");
	SYNTAX("undefined");
	SYNTAX("[true false]");
	SYNTAX("1 2");                       /* trailing garbage */
	SYNTAX("{}{}");
	SYNTAX("{} x");
	SYNTAX("[1]]");
	SYNTAX("[1}");                       /* mismatched close */
	SYNTAX("{\"a\":1]");
	SYNTAX("[{]}");
	SYNTAX("\"abc");                     /* unterminated string */
	SYNTAX("\"abc\\\"");
	SYNTAX("\"\\");
	SYNTAX("\"a\nb\"");                  /* raw control characters */
	SYNTAX("\"a\tb\"");
	SYNTAX("\"\x01\"");
	SYNTAX("\"\x1f\"");
	SYNTAX("\"\r\"");
	SYNTAX("\"\\x41\"");                 /* bad escapes */
	SYNTAX("\"\\a\"");
	SYNTAX("\"\\'\"");
	SYNTAX("\"\\U0041\"");
	SYNTAX("\"\\u41\"");
	SYNTAX("\"\\u004G\"");
	SYNTAX("\"\\u00");
	SYNTAX("\"\\ud83d\"");               /* lone high surrogate */
	SYNTAX("\"\\ud83dx\"");
	SYNTAX("\"\\ud83d\\n\"");
	SYNTAX("\"\\ud83d\\u0041\"");        /* high followed by a non-low */
	SYNTAX("\"\\ud83d\\ud83d\"");        /* high followed by high */
	SYNTAX("\"\\ude00\"");               /* lone low surrogate */
	SYNTAX("\"\\ude00\\ud83d\"");        /* low then high: wrong order */
	SYNTAX("\"\\udfff\"");
	SYNTAX("\"\\ud83d\\ude0\"");
	SYNTAX("\"\\ud83d\\");
	SYNTAX("\xef\xbb\xbf{}");            /* BOM outside a string */
	SYNTAX("\xc3\xa9");                  /* any byte >= 0x80 outside strings */
	SYNTAX("[\xe2\x82\xac]");
	SYNTAX("{\"a\":1}\x80");
	SYNTAX("\f1");                       /* only space, tab, CR, LF are whitespace */
	SYNTAX("\v1");
	SYNTAX("1\xc2\xa0");                 /* NBSP is not whitespace */
	SYNTAX("()");
	SYNTAX("{\"a\":1,\"b\"}");
	SYNTAX("[\"a\":1]");
	/* A NUL byte anywhere is a syntax error (len counts it). */
	expect_scan("1\0", 2, SX_JSON_ESYNTAX);
	expect_scan("\"a\0\"", 4, SX_JSON_ESYNTAX);
	expect_scan("\0", 1, SX_JSON_ESYNTAX);
	/* A NULL buffer with len 0 is empty input. */
	expect_scan(NULL, 0, SX_JSON_ESYNTAX);
}

static void test_utf8(void **state)
{
	(void)state;
	BADUTF8("\"\xc0\x80\"");             /* overlong NUL */
	BADUTF8("\"\xc1\xbf\"");             /* overlong 2-byte */
	BADUTF8("\"\xe0\x80\x80\"");         /* overlong 3-byte */
	BADUTF8("\"\xe0\x9f\xbf\"");
	BADUTF8("\"\xf0\x80\x80\x80\"");     /* overlong 4-byte */
	BADUTF8("\"\xf0\x8f\xbf\xbf\"");
	BADUTF8("\"\xed\xa0\x80\"");         /* U+D800 encoded */
	BADUTF8("\"\xed\xbf\xbf\"");         /* U+DFFF encoded */
	BADUTF8("\"\xed\xa0\xbd\xed\xb8\x80\""); /* CESU-8 pair */
	BADUTF8("\"\xf4\x90\x80\x80\"");     /* U+110000 */
	BADUTF8("\"\xf5\x80\x80\x80\"");
	BADUTF8("\"\xf8\x88\x80\x80\x80\"");
	BADUTF8("\"\xff\"");
	BADUTF8("\"\xfe\"");
	BADUTF8("\"\x80\"");                 /* stray continuation */
	BADUTF8("\"\xbf\"");
	BADUTF8("\"\xc3\"");                 /* truncated before the quote */
	BADUTF8("\"\xe2\x82\"");
	BADUTF8("\"\xf0\x9f\x98\"");
	BADUTF8("\"\xc3\x28\"");             /* bad continuation */
	BADUTF8("\"\xe2\x28\xa1\"");
	BADUTF8("\"\xe2\x82\x28\"");
	BADUTF8("\"\xf0\x9f\x98\x28\"");
	BADUTF8("\"\xc3");                   /* truncated at the end of input */
	BADUTF8("\"\xe2\x82");
	BADUTF8("\"\xf0\x9f\x98");
	BADUTF8("{\"k\xc0\xaf\":1}");        /* in a key, too */
	BADUTF8("[\"ok\",\"\xe0\x80\xaf\"]");
	/* Valid 2/3/4-byte sequences at the boundaries. */
	OK("\"\xc2\x80\"");
	OK("\"\xdf\xbf\"");
	OK("\"\xe0\xa0\x80\"");
	OK("\"\xe1\x80\x80\"");
	OK("\"\xec\xbf\xbf\"");
	OK("\"\xed\x80\x80\"");
	OK("\"\xef\xbf\xbf\"");
	OK("\"\xf0\x90\x80\x80\"");
	OK("\"\xf1\x80\x80\x80\"");
	OK("\"\xf3\xbf\xbf\xbf\"");
	OK("\"\xf4\x8f\xbf\xbf\"");
	/* First error in document order wins. */
	SYNTAX("[x,\"\xc0\x80\"]");
	BADUTF8("[\"\xc0\x80\",x]");
}

static void test_too_big(void **state)
{
	(void)state;
	static char buf[SX_LINE_MAX + 2];
	/* A valid string document of exactly SX_LINE_MAX bytes is accepted. */
	memset(buf, 'a', sizeof buf);
	buf[0] = '"';
	buf[SX_LINE_MAX - 1] = '"';
	expect_scan(buf, SX_LINE_MAX, SX_JSON_OK);
	/* One more byte (64 KiB + 1) is ETOOBIG, before anything else is scanned. */
	buf[SX_LINE_MAX - 1] = 'a';
	buf[SX_LINE_MAX] = '"';
	expect_scan(buf, SX_LINE_MAX + 1, SX_JSON_ETOOBIG);
	memset(buf, 0xff, sizeof buf);
	expect_scan(buf, SX_LINE_MAX + 1, SX_JSON_ETOOBIG);
	expect_scan(buf, SX_LINE_MAX + 2, SX_JSON_ETOOBIG);
	memset(buf, ' ', sizeof buf);
	expect_scan(buf, SX_LINE_MAX, SX_JSON_ESYNTAX);
	expect_scan(buf, SX_LINE_MAX + 1, SX_JSON_ETOOBIG);
}

/* Nest d arrays around a number: "[[...1...]]". */
static size_t nest(char *buf, unsigned d, char open, const char *inner)
{
	size_t len = 0;
	for (unsigned k = 0; k < d; k++) {
		if (open == '{') {
			memcpy(buf + len, "{\"k\":", 5);
			len += 5;
		} else {
			buf[len++] = '[';
		}
	}
	size_t il = strlen(inner);
	memcpy(buf + len, inner, il);
	len += il;
	for (unsigned k = 0; k < d; k++)
		buf[len++] = open == '{' ? '}' : ']';
	return len;
}

static enum sx_json_status scan_depth(const char *buf, size_t len, unsigned max_depth)
{
	struct sx_json_member m[CAP];
	size_t n;
	enum sx_json_type top;
	return sx_json_scan(buf, len, max_depth, m, CAP, &n, &top);
}

static void test_depth(void **state)
{
	(void)state;
	char buf[1024];
	size_t len;

	/* Depth exactly 8 is fine, 9 is rejected, with max_depth = 8. */
	len = nest(buf, 8, '[', "1");
	assert_int_equal(scan_depth(buf, len, 8), SX_JSON_OK);
	len = nest(buf, 9, '[', "1");
	assert_int_equal(scan_depth(buf, len, 8), SX_JSON_EDEPTH);
	len = nest(buf, 8, '{', "1");
	assert_int_equal(scan_depth(buf, len, 8), SX_JSON_OK);
	len = nest(buf, 9, '{', "1");
	assert_int_equal(scan_depth(buf, len, 8), SX_JSON_EDEPTH);
	len = nest(buf, 7, '[', "{}");
	assert_int_equal(scan_depth(buf, len, 8), SX_JSON_OK);
	len = nest(buf, 8, '[', "{}");
	assert_int_equal(scan_depth(buf, len, 8), SX_JSON_EDEPTH);
	len = nest(buf, 8, '{', "[]");
	assert_int_equal(scan_depth(buf, len, 8), SX_JSON_EDEPTH);
	len = nest(buf, 8, '[', "\"s\"");
	assert_int_equal(scan_depth(buf, len, 8), SX_JSON_OK);
	/* "an object containing an object is depth 2" */
	assert_int_equal(scan_depth("{\"a\":{}}", 8, 2), SX_JSON_OK);
	assert_int_equal(scan_depth("{\"a\":{}}", 8, 1), SX_JSON_EDEPTH);
	assert_int_equal(scan_depth("{\"a\":1}", 7, 1), SX_JSON_OK);
	assert_int_equal(scan_depth("1", 1, 1), SX_JSON_OK);
	assert_int_equal(scan_depth("1", 1, 0), SX_JSON_EDEPTH);
	assert_int_equal(scan_depth("[]", 2, 0), SX_JSON_EDEPTH);
	assert_int_equal(scan_depth("", 0, 0), SX_JSON_ESYNTAX);
	/* Depth is checked as it is reached: deep but unterminated is EDEPTH. */
	len = nest(buf, 9, '[', "1");
	assert_int_equal(scan_depth(buf, 9, 8), SX_JSON_EDEPTH);
	/* A syntax error before the depth is exceeded wins. */
	assert_int_equal(scan_depth("[x[[[[[[[[[", 11, 8), SX_JSON_ESYNTAX);
	/* Sibling containers do not accumulate depth. */
	assert_int_equal(scan_depth("[[[]],[[]],[[]],{\"a\":[]}]", 25, 3), SX_JSON_OK);
	assert_int_equal(scan_depth("[[[]],[[]],{\"a\":[[]]}]", 22, 4), SX_JSON_OK);
	assert_int_equal(scan_depth("[[[]],[[]],{\"a\":[[]]}]", 22, 3), SX_JSON_EDEPTH);
	/* max_depth above 64 acts as 64. */
	len = nest(buf, 64, '[', "1");
	assert_int_equal(scan_depth(buf, len, 1000), SX_JSON_OK);
	len = nest(buf, 65, '[', "1");
	assert_int_equal(scan_depth(buf, len, 1000), SX_JSON_EDEPTH);
	assert_int_equal(scan_depth(buf, len, 65), SX_JSON_EDEPTH);
	assert_int_equal(scan_depth(buf, len, UINT32_MAX), SX_JSON_EDEPTH);
	/* Alternating [ and {"k": at the 64-level stack edge match their closers. */
	char *p = buf;
	for (int k = 0; k < 64; k++) {
		if (k % 2 == 0) {
			*p++ = '[';
		} else {
			memcpy(p, "{\"k\":", 5);
			p += 5;
		}
	}
	*p++ = '0';
	for (int k = 63; k >= 0; k--)
		*p++ = (k % 2 == 0) ? ']' : '}';
	len = (size_t)(p - buf);
	assert_int_equal(scan_depth(buf, len, 64), SX_JSON_OK);
	buf[len - 2] = ']'; /* the innermost-but-one closer is now wrong */
	assert_int_equal(scan_depth(buf, len, 64), SX_JSON_ESYNTAX);
	buf[len - 2] = '}';
	buf[len - 1] = '}'; /* the outermost closer is wrong */
	assert_int_equal(scan_depth(buf, len, 64), SX_JSON_ESYNTAX);
}

static bool span_is(const char *doc, uint32_t off, uint32_t len, const char *want)
{
	return strlen(want) == len && memcmp(doc + off, want, len) == 0;
}

#define EXPECT_SPAN(doc, off, len, want)                                                 \
	do {                                                                             \
		if (!span_is(doc, off, len, want))                                       \
			fail_msg("span [%u,+%u) = \"%.*s\", want \"%s\"", (unsigned)(off),  \
				 (unsigned)(len), (int)(len), (doc) + (off), want);        \
	} while (0)

static void test_member_spans(void **state)
{
	(void)state;
	const char *doc = "{\"type\":\"PLACE_ORDER\",\"qty\":\"1.5\",\"price\":100.25,"
			  "\"x\":{\"a\":[1,2]},\"esc\":\"a\\\"b\",\"t\":true,\"f\":false,"
			  "\"nul\":null,\"k\\u0065y\":[ ],\"neg\":-1e-7}";
	struct sx_json_member m[CAP];
	size_t n = 0;
	enum sx_json_type top = SX_JSON_NULL;
	assert_int_equal(sx_json_scan(doc, strlen(doc), 8, m, CAP, &n, &top), SX_JSON_OK);
	assert_int_equal(top, SX_JSON_OBJECT);
	assert_int_equal(n, 10);

	static const struct {
		const char *key, *val;
		enum sx_json_type type;
		bool key_esc, val_esc;
	} want[] = {
		{ "type", "PLACE_ORDER", SX_JSON_STRING, false, false },
		{ "qty", "1.5", SX_JSON_STRING, false, false },
		{ "price", "100.25", SX_JSON_NUMBER, false, false },
		{ "x", "{\"a\":[1,2]}", SX_JSON_OBJECT, false, false },
		{ "esc", "a\\\"b", SX_JSON_STRING, false, true },
		{ "t", "true", SX_JSON_TRUE, false, false },
		{ "f", "false", SX_JSON_FALSE, false, false },
		{ "nul", "null", SX_JSON_NULL, false, false },
		{ "k\\u0065y", "[ ]", SX_JSON_ARRAY, true, false },
		{ "neg", "-1e-7", SX_JSON_NUMBER, false, false },
	};
	for (size_t k = 0; k < n; k++) {
		EXPECT_SPAN(doc, m[k].key_off, m[k].key_len, want[k].key);
		EXPECT_SPAN(doc, m[k].val_off, m[k].val_len, want[k].val);
		assert_int_equal(m[k].type, want[k].type);
		assert_int_equal(m[k].key_esc, want[k].key_esc);
		assert_int_equal(m[k].val_esc, want[k].val_esc);
	}
	/* Absolute offsets of the first members. */
	assert_int_equal(m[0].key_off, 2);
	assert_int_equal(m[0].key_len, 4);
	assert_int_equal(m[0].val_off, 9);
	assert_int_equal(m[0].val_len, 11);
	assert_int_equal(m[1].key_off, 23);
	assert_true(sx_json_str_eq(doc + m[8].key_off, m[8].key_len, m[8].key_esc, "key"));
}

static void test_array_spans(void **state)
{
	(void)state;
	const char *doc = " [ \"a\" , 12 ,{\"b\":[]}, [1,[2]] ,\"\",null ] ";
	struct sx_json_member m[CAP];
	size_t n = 0;
	enum sx_json_type top = SX_JSON_NULL;
	assert_int_equal(sx_json_scan(doc, strlen(doc), 8, m, CAP, &n, &top), SX_JSON_OK);
	assert_int_equal(top, SX_JSON_ARRAY);
	assert_int_equal(n, 6);
	static const struct {
		const char *val;
		enum sx_json_type type;
	} want[] = {
		{ "a", SX_JSON_STRING },      { "12", SX_JSON_NUMBER },
		{ "{\"b\":[]}", SX_JSON_OBJECT }, { "[1,[2]]", SX_JSON_ARRAY },
		{ "", SX_JSON_STRING },       { "null", SX_JSON_NULL },
	};
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(m[k].key_len, 0);
		assert_false(m[k].key_esc);
		EXPECT_SPAN(doc, m[k].val_off, m[k].val_len, want[k].val);
		assert_int_equal(m[k].type, want[k].type);
	}
	assert_int_equal(m[0].val_off, 4);
	assert_int_equal(m[4].val_off, 33);
	assert_int_equal(m[4].val_len, 0);
}

static void test_members_capacity(void **state)
{
	(void)state;
	const char *doc = "{\"a\":1,\"b\":{\"c\":2,\"d\":3},\"e\":[4,5,6]}";
	struct sx_json_member m[4];
	size_t n = 99;
	enum sx_json_type top = SX_JSON_NULL;

	/* Exactly enough room. */
	assert_int_equal(sx_json_scan(doc, strlen(doc), 8, m, 3, &n, &top), SX_JSON_OK);
	assert_int_equal(n, 3);
	/* One short: EMEMBERS, with the first cap members recorded. */
	memset(m, 0, sizeof m);
	assert_int_equal(sx_json_scan(doc, strlen(doc), 8, m, 2, &n, &top), SX_JSON_EMEMBERS);
	assert_int_equal(n, 2);
	assert_int_equal(top, SX_JSON_OBJECT);
	EXPECT_SPAN(doc, m[1].key_off, m[1].key_len, "b");
	EXPECT_SPAN(doc, m[1].val_off, m[1].val_len, "{\"c\":2,\"d\":3}");
	assert_int_equal(m[2].val_len, 0); /* nothing written past cap */
	assert_int_equal(m[2].key_len, 0);
	/* No room at all, and no array. */
	assert_int_equal(sx_json_scan(doc, strlen(doc), 8, NULL, 0, &n, &top),
			 SX_JSON_EMEMBERS);
	assert_int_equal(n, 0);
	assert_int_equal(sx_json_scan("[]", 2, 8, NULL, 0, &n, &top), SX_JSON_OK);
	assert_int_equal(n, 0);
	assert_int_equal(top, SX_JSON_ARRAY);
	assert_int_equal(sx_json_scan("\"x\"", 3, 8, NULL, 0, &n, &top), SX_JSON_OK);
	assert_int_equal(top, SX_JSON_STRING);
	/* Syntax is checked before capacity. */
	assert_int_equal(sx_json_scan("[1,2,3,]", 8, 8, m, 1, &n, &top), SX_JSON_ESYNTAX);
	assert_int_equal(sx_json_scan("[1,2,3,\"\xc0\x80\"]", 12, 8, m, 1, &n, &top),
			 SX_JSON_EUTF8);
	assert_int_equal(sx_json_scan("[1,2,3,[[[[]]]]]", 16, 3, m, 1, &n, &top),
			 SX_JSON_EDEPTH);
	/* Nested members do not count. */
	assert_int_equal(sx_json_scan("[[1,2,3,4,5,6]]", 15, 8, m, 1, &n, &top), SX_JSON_OK);
	assert_int_equal(n, 1);
}

static long unesc(const char *raw, char *out, size_t cap)
{
	return sx_json_unescape(raw, strlen(raw), out, cap);
}

static void test_unescape(void **state)
{
	(void)state;
	char out[64];
	long r;

	r = unesc("plain", out, sizeof out);
	assert_int_equal(r, 5);
	assert_memory_equal(out, "plain", 5);
	r = unesc("a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti", out, sizeof out);
	assert_int_equal(r, 17);
	assert_memory_equal(out, "a\"b\\c/d\be\ff\ng\rh\ti", 17);
	r = unesc("\\u0041\\u00e9\\u20AC", out, sizeof out);
	assert_int_equal(r, 1 + 2 + 3);
	assert_memory_equal(out, "A\xc3\xa9\xe2\x82\xac", 6);
	r = unesc("\\ud83d\\ude00", out, sizeof out); /* U+1F600 */
	assert_int_equal(r, 4);
	assert_memory_equal(out, "\xf0\x9f\x98\x80", 4);
	r = unesc("\\uDBFF\\uDFFF", out, sizeof out); /* U+10FFFF */
	assert_int_equal(r, 4);
	assert_memory_equal(out, "\xf4\x8f\xbf\xbf", 4);
	r = unesc("\\u07FF\\u0800\\uFFFF", out, sizeof out);
	assert_int_equal(r, 2 + 3 + 3);
	assert_memory_equal(out, "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf", 8);
	r = unesc("\xc3\xa9", out, sizeof out); /* raw UTF-8 copied */
	assert_int_equal(r, 2);
	r = unesc("", out, sizeof out);
	assert_int_equal(r, 0);

	/* Capacity: exact fit, one short. */
	r = unesc("abc", out, 3);
	assert_int_equal(r, 3);
	r = unesc("abc", out, 2);
	assert_int_equal(r, -1);
	r = unesc("\\u20AC", out, 3);
	assert_int_equal(r, 3);
	r = unesc("\\u20AC", out, 2);
	assert_int_equal(r, -1);
	r = unesc("", NULL, 0);
	assert_int_equal(r, 0);

	/* NUL: -2, and -2 wins over -1 wherever it is. */
	r = unesc("a\\u0000b", out, sizeof out);
	assert_int_equal(r, -2);
	r = unesc("abcdef\\u0000", out, 2);
	assert_int_equal(r, -2);
	r = sx_json_unescape("a\0b", 3, out, sizeof out);
	assert_int_equal(r, -2);

	/* Not validated content: never crashes, reports -1. */
	assert_int_equal(unesc("\\", out, sizeof out), -1);
	assert_int_equal(unesc("\\x", out, sizeof out), -1);
	assert_int_equal(unesc("\\u12", out, sizeof out), -1);
	assert_int_equal(unesc("\\ud83d", out, sizeof out), -1);
	assert_int_equal(unesc("\\ud83d\\u0041", out, sizeof out), -1);
	assert_int_equal(unesc("\\ude00", out, sizeof out), -1);
	assert_int_equal(unesc("\\ud83d\\", out, sizeof out), -1);
}

static void test_str_eq(void **state)
{
	(void)state;
	assert_true(sx_json_str_eq("buy", 3, false, "buy"));
	assert_false(sx_json_str_eq("buy", 3, false, "buyx"));
	assert_false(sx_json_str_eq("buy", 3, false, "bu"));
	assert_false(sx_json_str_eq("buy", 3, false, "sell"));
	assert_true(sx_json_str_eq("", 0, false, ""));
	assert_false(sx_json_str_eq("", 0, false, "a"));
	assert_true(sx_json_str_eq("\\u0062uy", 8, true, "buy"));
	assert_true(sx_json_str_eq("b\\u0075\\u0079", 13, true, "buy"));
	assert_false(sx_json_str_eq("\\u0062uy", 8, true, "bu"));
	assert_false(sx_json_str_eq("\\u0062uy", 8, true, "buyy"));
	assert_true(sx_json_str_eq("a\\\"b", 4, true, "a\"b"));
	assert_true(sx_json_str_eq("\\u00e9", 6, true, "\xc3\xa9"));
	assert_true(sx_json_str_eq("\\ud83d\\ude00", 12, true, "\xf0\x9f\x98\x80"));
	assert_false(sx_json_str_eq("\\ud83d\\ude00", 12, true, "\xf0\x9f\x98"));
	/* An escaped NUL never equals a C string, even a prefix of it. */
	assert_false(sx_json_str_eq("a\\u0000", 7, true, "a"));
	assert_false(sx_json_str_eq("\\u0000", 6, true, ""));
	/* Escapes are only decoded when esc says so. */
	assert_false(sx_json_str_eq("\\u0062", 6, false, "b"));
	assert_true(sx_json_str_eq("\\u0062", 6, false, "\\u0062"));
	/* Malformed content is never equal. */
	assert_false(sx_json_str_eq("\\", 1, true, "\\"));
	assert_false(sx_json_str_eq("\\q", 2, true, "q"));
}

static void test_quote(void **state)
{
	(void)state;
	char out[128];
	size_t need;

	need = sx_json_quote("abc", 3, out, sizeof out);
	assert_int_equal(need, 5);
	assert_memory_equal(out, "\"abc\"", 5);
	need = sx_json_quote("", 0, out, sizeof out);
	assert_int_equal(need, 2);
	assert_memory_equal(out, "\"\"", 2);
	const char in[] = "a\"b\\c/\b\f\n\r\t\x01\x1f\x7f\xc3\xa9";
	need = sx_json_quote(in, sizeof in - 1, out, sizeof out);
	const char want[] =
		"\"a\\\"b\\\\c/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xc3\xa9\"";
	assert_int_equal(need, sizeof want - 1);
	assert_memory_equal(out, want, sizeof want - 1);
	need = sx_json_quote("\0", 1, out, sizeof out);
	assert_int_equal(need, 8);
	assert_memory_equal(out, "\"\\u0000\"", 8);

	/* Too small: the size is reported and nothing is written. */
	memset(out, 'Z', sizeof out);
	need = sx_json_quote("abc", 3, out, 4);
	assert_int_equal(need, 5);
	for (size_t k = 0; k < sizeof out; k++)
		assert_int_equal(out[k], 'Z');
	need = sx_json_quote("abc", 3, NULL, 0);
	assert_int_equal(need, 5);
	need = sx_json_quote("abc", 3, out, 5);
	assert_int_equal(need, 5);
	assert_int_equal(out[5], 'Z'); /* no NUL */
	/* Exact-fit boundaries for every kind of escape. */
	static const struct {
		const char *in;
		size_t len;
	} fits[] = { { "\x01", 8 }, { "\x1f", 8 }, { "\n", 4 }, { "\"", 4 }, { "\\", 4 },
		     { "\xc3\xa9", 4 }, { "a\x02" "b", 10 } };
	for (size_t k = 0; k < sizeof fits / sizeof fits[0]; k++) {
		size_t in_len = strlen(fits[k].in);
		memset(out, 'Z', sizeof out);
		assert_int_equal(sx_json_quote(fits[k].in, in_len, out, fits[k].len - 1),
				 fits[k].len);
		assert_int_equal(out[0], 'Z');
		assert_int_equal(sx_json_quote(fits[k].in, in_len, out, fits[k].len), fits[k].len);
		assert_int_equal(out[0], '"');
		assert_int_equal(out[fits[k].len - 1], '"');
		assert_int_equal(out[fits[k].len], 'Z');
	}
}

/* quote -> scan -> unescape gives back the original bytes. */
static void test_quote_roundtrip(void **state)
{
	(void)state;
	char all[128]; /* every byte 0x01..0x7f, NUL-terminated */
	for (int k = 1; k < 128; k++)
		all[k - 1] = (char)k;
	all[127] = '\0';
	const struct {
		const char *s;
		size_t n;
	} cases[] = {
		{ all, sizeof all - 1 },
		{ "PLACE_ORDER", 11 },
		{ "\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9 \xef\xbf\xbf", 15 },
		{ "\"\\\"\\", 4 },
		{ "", 0 },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		char lit[1024], dec[1024];
		size_t need = sx_json_quote(cases[c].s, cases[c].n, lit, sizeof lit);
		assert_true(need <= sizeof lit);
		struct sx_json_member m[1];
		size_t n;
		enum sx_json_type top;
		assert_int_equal(sx_json_scan(lit, need, 8, m, 1, &n, &top), SX_JSON_OK);
		assert_int_equal(top, SX_JSON_STRING);
		long r = sx_json_unescape(lit + 1, need - 2, dec, sizeof dec);
		assert_int_equal(r, (long)cases[c].n);
		assert_memory_equal(dec, cases[c].s, cases[c].n);
		assert_int_equal(strlen(cases[c].s), cases[c].n);
		assert_true(sx_json_str_eq(lit + 1, need - 2, true, cases[c].s));
	}
	/* A member's raw content decodes to what was quoted. */
	char doc[256];
	char q[64];
	size_t qn = sx_json_quote("a\"b\nc", 5, q, sizeof q);
	int dl = snprintf(doc, sizeof doc, "{\"k\":%.*s}", (int)qn, q);
	struct sx_json_member m[2];
	size_t n;
	enum sx_json_type top;
	assert_int_equal(sx_json_scan(doc, (size_t)dl, 8, m, 2, &n, &top), SX_JSON_OK);
	assert_int_equal(n, 1);
	assert_true(m[0].val_esc);
	assert_true(sx_json_str_eq(doc + m[0].val_off, m[0].val_len, true, "a\"b\nc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_scalars),
		cmocka_unit_test(test_valid_documents),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_member_spans),
		cmocka_unit_test(test_array_spans),
		cmocka_unit_test(test_members_capacity),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_str_eq),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_quote_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
