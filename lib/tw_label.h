/*
 * tw_label: short forms of chart labels, for tw-plot and tw-perf's
 * charts, so that labels that are too long stay apart on screen.
 */
#ifndef TW_LABEL_H
#define TW_LABEL_H

#include <stddef.h>

#include "tw_buf.h"

/*
 * Appends to out a form of all[i] of at most max characters (UTF-8):
 * the label itself when it fits; else, when the labels that do not fit
 * share a beginning or an end ("run-1-flatten", "run-2-flatten"), what
 * they share is dropped (an ellipsis stands for it, one character of it
 * kept on each side), and then the middle is cut. Raw text: the caller
 * escapes it for XML.
 */
void tw_label_short(struct tw_buf *out, const char *const *all, size_t n,
    size_t i, size_t max);

#endif
