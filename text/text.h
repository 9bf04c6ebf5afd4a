/* text.h: a document decoded to UTF-8 and normalised for matching, with a map back
 * to the original so line numbers and matched text always refer to the file as written. */
#ifndef PM_TEXT_H
#define PM_TEXT_H

#include <stddef.h>
#include "base/error.h"

typedef struct text text;

/* Warning callback for recoverable problems (bad bytes replaced). line is 1-based. */
typedef void (*text_warn_fn)(void *ctx, long line, const char *msg);

/* A new empty text (never NULL). Free with text_free (accepts NULL). */
text *text_create(void);
void text_free(text *t);

/* Decode bytes[0..n) and normalise. encoding: NULL or "auto" to detect
 * (UTF-8 with/without BOM, UTF-16LE/BE and UTF-32LE/BE with BOM, else GB18030
 * or Big5, whichever strict decoding reads as more common hanzi; UTF-8 with a
 * few damaged bytes stays UTF-8), or an iconv name ("GB18030", "BIG5",
 * "UTF-16LE", ...). Bytes that do not decode become U+FFFD and warn (once per
 * line, 1-based; warn may be NULL). Empty or blank input is fine.
 * Errors (t is left empty): PM_ERR_INPUT with a message when the input is
 * binary (NUL bytes, image, PDF - the message says to convert with pdftotext,
 * ZIP/Office), the encoding name is unknown or the input cannot be decoded from it.
 * Replaces the previous contents of t. */
int text_load(text *t, const char *bytes, size_t n, const char *encoding,
              text_warn_fn warn, void *warn_ctx, pm_error *err);

/* The original decoded to UTF-8 (not normalised; BOM removed). Owned by t. */
const char *text_orig(const text *t, size_t *len);

/* The normalised text the rules see. Owned by t. Guarantees:
 *  - valid UTF-8, same '\n' count and order as the original (line numbers agree);
 *  - full-width ASCII (０-９ ％ ． ＋ etc.) -> ASCII, except '，' '、' '。' '；' '：'
 *    '（' '）' which stay Chinese punctuation;
 *  - traditional Chinese -> simplified, character by character;
 *  - U+00A0, U+3000 and other spaces -> ' '.
 * The name of the detected encoding is available through text_encoding. */
const char *text_norm(const text *t, size_t *len);

/* Map a byte offset in the normalised text to the byte offset in text_orig
 * of the character it came from (a character boundary maps to a character
 * boundary; bytes inside a replaced character map inside its original).
 * Monotone; off >= len maps to the original length. O(log runs). */
size_t text_orig_offset(const text *t, size_t norm_off);

/* The detected or given encoding, e.g. "UTF-8", "GB18030". Owned by t. */
const char *text_encoding(const text *t);

#endif
