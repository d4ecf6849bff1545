/* Runs every Check suite of the core; exit status 0 only when all pass. */
#include <stdlib.h>
#include <apr_general.h>

#include "qnft_unit.h"

int main(void)
{
    SRunner *sr;
    int failed;

    apr_initialize();
    sr = srunner_create(qnft_suite_multipart());
    srunner_add_suite(sr, qnft_suite_probe());
    srunner_add_suite(sr, qnft_suite_store());
    srunner_add_suite(sr, qnft_suite_render());
    srunner_add_suite(sr, qnft_suite_solana_keys());
    srunner_add_suite(sr, qnft_suite_solana_tx());
    srunner_add_suite(sr, qnft_suite_json());
    srunner_add_suite(sr, qnft_suite_price());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
