/*
 * email.h — what the e-mail rule offers besides clean_email (in clean.h).
 */
#ifndef RONDO_CLEAN_EMAIL_H
#define RONDO_CLEAN_EMAIL_H

#include "base/arena.h"

/*
 * The identity key of an address that clean_email has normalised: the whole
 * address lower-cased (ASCII, and each code point of a UTF-8 local part by
 * Unicode's simple lower-case mapping), so that "Jan.Peeters@x.be" and
 * "jan.peeters@x.be" match the same person although the stored address
 * keeps the case it was given in. Dots and "+tags" are kept: at most
 * providers they name different mailboxes.
 *
 * Returns a string allocated in a, or NULL when normalised is NULL or not
 * valid UTF-8, or when the arena is full.
 */
const char *clean_email_key(struct arena *a, const char *normalised);

#endif
