/*
 * sequex/codec.h - the JSON codec of spec/commands.md: command text to a
 * binary struct sx_cmd (strict validation, the spec's field order and error
 * codes, exact decimal conversion to ticks/lots/minor units), and output
 * records to reply and event JSON.
 *
 * Pure functions over (buf, len) and a read-only config: no I/O, no
 * allocation, no globals. Used by replay, the I/O threads, fuzzers, tests.
 */
#ifndef SEQUEX_CODEC_H
#define SEQUEX_CODEC_H

#include <stddef.h>

#include "sequex/command.h"
#include "sequex/config.h"
#include "sequex/output.h"

/*
 * Decode one command. Never fails: a command that is not acceptable comes
 * out as type SX_CMD_REJECTED with its code, field and detail (and its
 * reqId when that was readable and valid), so it is sequenced and answered
 * like any other. out->ts is set only when the text has a valid "ts"
 * (has_ts = 1); the caller stamps it otherwise.
 */
void sx_codec_decode(const struct sx_config *cfg, const char *buf, size_t len,
		     struct sx_cmd *out);

/* Resolves account handles to names for the encoder. */
struct sx_names {
	/* The name of account acct, its length in *len; NULL if unknown. */
	const char *(*name)(void *ctx, uint32_t acct, size_t *len);
	void *ctx;
};

/*
 * Encode one command's output as replay lines: the reply, then each event,
 * each line ending in '\n'. recs[0..n) are the command's records as the
 * engine emitted them, the SX_OUT_REPLY last. Writes into buf when the
 * whole text fits in cap bytes; always returns the number of bytes the text
 * needs (so a caller can grow its buffer and call again).
 */
size_t sx_codec_encode_command(const struct sx_config *cfg, const struct sx_out *recs,
			       size_t n, struct sx_names names, char *buf, size_t cap);

/* The reply alone (no newline), same buffer contract. */
size_t sx_codec_encode_reply(const struct sx_config *cfg, const struct sx_out *recs,
			     size_t n, struct sx_names names, char *buf, size_t cap);

/* One event record (SX_OUT_EV_*) alone (no newline), same buffer contract;
 * 0 for a record that is not an event. */
size_t sx_codec_encode_event(const struct sx_config *cfg, const struct sx_out *rec,
			     struct sx_names names, char *buf, size_t cap);

#endif
