/*
 * fuzz_codec.c - libFuzzer target for the command path: the input is split
 * into lines, each decoded with the demo config and applied to one small
 * engine, and each command's output encoded to JSON. Checks: the decoder
 * never fails to produce a command, every command ends with exactly one
 * reply, encoded replies and events are valid JSON, the engine's
 * invariants hold after every 8th command and after the last
 * (sx_engine_validate walks the whole state, so after every command it
 * dominated the run time).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sequex/codec.h"
#include "sequex/engine.h"
#include "sequex/json.h"

struct sink {
	struct sx_out recs[4096];
	size_t n;
	char names[256][SX_USERID_MAX];
	uint8_t len[256];
};

static void emit(void *ctx, const struct sx_out *r)
{
	struct sink *s = ctx;
	if (s->n < 4096)
		s->recs[s->n] = *r;
	s->n++;
	if (r->kind == SX_OUT_ACCOUNT && r->u.account.account < 256) {
		memcpy(s->names[r->u.account.account], r->u.account.name, r->u.account.len);
		s->len[r->u.account.account] = r->u.account.len;
	}
}

static const char *name_of(void *ctx, uint32_t a, size_t *len)
{
	struct sink *s = ctx;
	if (a >= 256 || !s->len[a])
		return NULL;
	*len = s->len[a];
	return s->names[a];
}

static void check_json(const char *buf, size_t n)
{
	struct sx_json_member m[128];
	size_t cnt;
	enum sx_json_type top;
	if (sx_json_scan(buf, n, 16, m, 128, &cnt, &top) != SX_JSON_OK || top != SX_JSON_OBJECT) {
		fprintf(stderr, "invalid JSON produced: %.*s\n", (int)n, buf);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sx_config cfg;
	static struct sink sink;
	static char out[1 << 20];
	sx_config_defaults(&cfg);
	cfg.max_orders = 64;
	cfg.max_accounts = 32;
	cfg.nmarkets = 2; /* SOL_USDC and ETH_USDC: each market costs two 256 KiB ladders per input */
	cfg.markets[0].maker_fee_bps = 7;
	cfg.markets[0].taker_fee_bps = 13;
	struct sx_engine *e;
	static struct sx_record_sink rsink;
	sx_record_sink_init(&rsink, emit, &sink);
	if (sx_engine_create(&cfg, &rsink.sink, &e) != 0)
		abort();
	memset(sink.len, 0, sizeof(sink.len));
	const char *p = (const char *)data, *end = p + size;
	uint64_t seq = 0;
	while (p < end && seq < 256) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct sx_cmd cmd;
		sx_codec_decode(&cfg, p, len, &cmd);
		cmd.ts = seq * 1000;
		sink.n = 0;
		sx_engine_apply(e, ++seq, &cmd);
		if (sink.n == 0 || sink.n > 4096 || sink.recs[sink.n - 1].kind != SX_OUT_REPLY)
			abort();
		for (size_t i = 0; i + 1 < sink.n; i++)
			if (sink.recs[i].kind == SX_OUT_REPLY)
				abort();
		struct sx_names names = {name_of, &sink};
		size_t need = sx_codec_encode_reply(&cfg, sink.recs, sink.n, names, out, sizeof(out));
		if (need > sizeof(out))
			abort();
		check_json(out, need);
		for (size_t i = 0; i < sink.n; i++) {
			size_t k = sx_codec_encode_event(&cfg, &sink.recs[i], names, out, sizeof(out));
			if (k)
				check_json(out, k);
		}
		char why[256];
		p += len + (nl ? 1 : 0);
		/* every 8th command and after the last: validate() walks the whole
		 * state, and after every command it dominated the run time */
		if ((seq & 7) != 0 && p < end && seq < 256)
			continue;
		if (sx_engine_validate(e, why, sizeof(why)) != 0) {
			fprintf(stderr, "invariant broken after command %llu: %s\n",
				(unsigned long long)seq, why);
			abort();
		}
	}
	sx_engine_destroy(e);
	return 0;
}
