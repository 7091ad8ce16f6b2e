/*
 * tw-gen fetch: tweets from the X (Twitter) API v2, recent search pages
 * or the filtered stream, written as NDJSON for tw-flatten (fetch.c).
 */
#ifndef TW_GEN_FETCH_H
#define TW_GEN_FETCH_H

/*
 * Runs "tw-gen fetch ..."; argv[0] is "fetch". Returns the exit status,
 * or exits itself (usage errors, API errors, signals).
 */
int fetch_main(int argc, char *argv[]);

#endif
