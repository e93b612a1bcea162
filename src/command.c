/*
 * command.c - names of command types and the user-id hash shared by the
 * decoders (which compute it) and the engine (which indexes accounts by
 * it). Pure functions; any thread.
 */
#include "sequex/command.h"

#include <xxhash.h>

static const char *const type_names[SX_CMD_TYPE_COUNT] = {
	[SX_CMD_REJECTED] = "REJECTED",
	[SX_CMD_DEPOSIT] = "DEPOSIT",
	[SX_CMD_WITHDRAW] = "WITHDRAW",
	[SX_CMD_PLACE_ORDER] = "PLACE_ORDER",
	[SX_CMD_CANCEL_ORDER] = "CANCEL_ORDER",
	[SX_CMD_AMEND_ORDER] = "AMEND_ORDER",
	[SX_CMD_CHECK_BALANCE] = "CHECK_BALANCE",
	[SX_CMD_CHECK_OPEN_ORDERS] = "CHECK_OPEN_ORDERS",
	[SX_CMD_GET_ORDER] = "GET_ORDER",
	[SX_CMD_GET_DEPTH] = "GET_DEPTH",
	[SX_CMD_QUOTE] = "QUOTE",
};

const char *sx_cmd_type_name(enum sx_cmd_type t)
{
	if ((unsigned)t >= SX_CMD_TYPE_COUNT)
		return "?";
	return type_names[t];
}

uint64_t sx_user_hash(const char *user, size_t len)
{
	uint64_t h = XXH3_64bits(user, len);
	return h ? h : 1; /* 0 marks an empty hash slot */
}
