/* The Check suites of the core library, one per concern. */
#ifndef QNFT_UNIT_H
#define QNFT_UNIT_H

#include <check.h>

Suite *qnft_suite_multipart(void);
Suite *qnft_suite_probe(void);
Suite *qnft_suite_store(void);
Suite *qnft_suite_render(void);
Suite *qnft_suite_solana_keys(void);
Suite *qnft_suite_solana_tx(void);
Suite *qnft_suite_json(void);
Suite *qnft_suite_price(void);

#endif
