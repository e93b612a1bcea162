/*
 * output.c - the per-record adapter over the engine's in-place sink (see
 * sequex/output.h). Runs on the engine's thread, inside its flushes.
 */
#include "sequex/output.h"

#include <string.h>

static void record_sink_flush(struct sx_sink *s)
{
	struct sx_record_sink *rs = s->ctx;
	for (uint32_t i = 0; i < s->n; i++)
		rs->emit(rs->ctx, &s->buf[i]);
	s->n = 0;
}

void sx_record_sink_init(struct sx_record_sink *rs,
			 void (*emit)(void *ctx, const struct sx_out *rec), void *ctx)
{
	memset(rs, 0, sizeof(*rs));
	rs->emit = emit;
	rs->ctx = ctx;
	rs->sink.buf = rs->buf;
	rs->sink.cap = (uint32_t)(sizeof(rs->buf) / sizeof(rs->buf[0]));
	rs->sink.n = 0;
	rs->sink.flush = record_sink_flush;
	rs->sink.ctx = rs;
}
