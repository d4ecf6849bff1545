/* The database schema version this build expects: the number of the last
 * migration file in sql/ (checked by 'make check'). */
#ifndef QNFT_SCHEMA_H
#define QNFT_SCHEMA_H

#define QNFT_SCHEMA_VERSION 6

#endif
