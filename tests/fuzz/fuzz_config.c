/*
 * fuzz_config.c - libFuzzer target for the INI parser: any bytes give either
 * a config that passes the engine's own consistency needs (steps positive,
 * units >= 1, indexes in range) or a "NAME:LINE: reason" message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sequex/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sx_config c;
	char err[256];
	int rc = sx_config_parse("fuzz.ini", (const char *)data, size, &c, err, sizeof(err));
	if (rc != 0) {
		if (strncmp(err, "fuzz.ini:", 9) != 0 || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	if (c.nassets == 0 || c.nassets > SX_MAX_ASSETS || c.nmarkets > SX_MAX_MARKETS ||
	    c.demo_asset >= c.nassets || c.demo_balance < 0 || c.max_orders == 0 ||
	    c.max_accounts == 0)
		abort();
	for (uint16_t i = 0; i < c.nassets; i++)
		if (c.assets[i].decimals > 18 || c.assets[i].name[0] == 0)
			abort();
	for (uint16_t i = 0; i < c.nmarkets; i++) {
		const struct sx_market_cfg *m = &c.markets[i];
		if (m->base >= c.nassets || m->quote >= c.nassets || m->base == m->quote ||
		    m->unit < 1 || m->lot_units < 1 || m->tick.mant < 1 || m->lot.mant < 1 ||
		    m->maker_fee_bps > 10000 || m->taker_fee_bps > 10000 ||
		    m->market_slippage_bps > 10000)
			abort();
	}
	return 0;
}
