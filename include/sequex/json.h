/*
 * sequex/json.h - a strict RFC 8259 JSON scanner that allocates nothing.
 *
 * sx_json_scan validates a whole document and records the top-level
 * members (of an object) or elements (of an array) as spans into the
 * caller's buffer; nested values are validated and skipped. The string
 * helpers decode and encode string contents. Pure functions over
 * (buf, len): no I/O, no allocation, no globals; any thread.
 */
#ifndef SEQUEX_JSON_H
#define SEQUEX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sx_json_type {
	SX_JSON_NULL = 0,
	SX_JSON_FALSE,
	SX_JSON_TRUE,
	SX_JSON_NUMBER,
	SX_JSON_STRING,
	SX_JSON_ARRAY,
	SX_JSON_OBJECT
};

/*
 * One top-level member. For an object member, key_off/key_len is the raw
 * content between the key's quotes (escapes not decoded); for an array
 * element key_len is 0. val_off/val_len: for a string, the raw content
 * between its quotes; for anything else the exact token span (a number's
 * text, "true", a nested object from '{' to '}' inclusive, ...).
 * *_esc is true when the raw string content contains a backslash.
 */
struct sx_json_member {
	uint32_t key_off, key_len;
	uint32_t val_off, val_len;
	uint8_t type; /* enum sx_json_type */
	bool key_esc;
	bool val_esc;
};

enum sx_json_status {
	SX_JSON_OK = 0,
	SX_JSON_ESYNTAX,   /* not RFC 8259 JSON (incl. NaN, Infinity, trailing commas,
			      leading zeros, control characters in strings, lone
			      surrogate escapes, trailing garbage, empty input, and
			      any byte >= 0x80 outside a string) */
	SX_JSON_EUTF8,     /* invalid UTF-8 inside a string (overlong, surrogate,
			      > U+10FFFF, truncated) */
	SX_JSON_EDEPTH,    /* nesting deeper than max_depth */
	SX_JSON_EMEMBERS,  /* more top-level members than cap (document is valid) */
	SX_JSON_ETOOBIG    /* len > SX_LINE_MAX or > UINT32_MAX */
};

/*
 * Validate buf[0..len) as exactly one JSON value surrounded by optional
 * whitespace (space, tab, CR, LF). The top-level value counts as depth 1;
 * each enclosing container adds one (scalars inside containers add none):
 * {"a":{"b":1}} is depth 2. max_depth above 64 acts as 64.
 * If it is an object or an array, record its members in members[0..cap)
 * and set *n; otherwise *n = 0. *top receives the top-level type.
 * On an error other than EMEMBERS, *n and *top are unspecified; on
 * EMEMBERS, *top is set, *n = cap and members[0..cap) hold the first cap.
 * ETOOBIG is checked before anything else; otherwise the first error in
 * document order wins. Syntax is checked before member capacity: EMEMBERS
 * means the document is otherwise valid.
 */
enum sx_json_status sx_json_scan(const char *buf, size_t len, unsigned max_depth,
				 struct sx_json_member *members, size_t cap,
				 size_t *n, enum sx_json_type *top);

/*
 * Decode the raw content of a validated JSON string (as recorded by
 * sx_json_scan) into out[0..cap). Returns the decoded length, or -1 when it
 * would exceed cap, or -2 when it decodes to a NUL byte (U+0000), which
 * sequex never accepts inside identifiers (-2 wins over -1). Surrogate
 * pairs become one 4-byte UTF-8 sequence. Content that is not valid (a bad
 * escape) gives -1; out[0..cap) may have been written on any error.
 */
long sx_json_unescape(const char *s, size_t n, char *out, size_t cap);

/*
 * Compare the raw content of a validated JSON string with a plain C
 * string, decoding escapes on the fly. True when equal.
 */
bool sx_json_str_eq(const char *raw, size_t n, bool esc, const char *lit);

/*
 * Write s[0..n) (valid UTF-8) as a JSON string literal with quotes into
 * out[0..cap): '"' and '\\' escaped, control bytes as \n \r \t \b \f or
 * \u00XX, everything else copied. Returns the number of bytes the literal
 * needs; writes nothing unless the whole literal fits (no NUL either).
 */
size_t sx_json_quote(const char *s, size_t n, char *out, size_t cap);

#endif
