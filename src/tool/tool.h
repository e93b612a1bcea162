/*
 * tool.h - the subcommands of the `sequex` command-line tool. Each takes
 * the arguments after its name and returns the process exit status
 * (0 success, 1 usage or configuration error, 2 runtime failure).
 */
#ifndef SEQUEX_TOOL_H
#define SEQUEX_TOOL_H

int sx_tool_replay(int argc, char **argv);

#endif
