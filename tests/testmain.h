/*
 * The main() of every CUnit test program: register the suites, run them
 * with the basic interface, exit non-zero on any failure.
 */
#ifndef TESTMAIN_H
#define TESTMAIN_H

#include <stdlib.h>

#include <CUnit/Basic.h>

static int
testmain_run(CU_SuiteInfo *suites)
{
	unsigned	 failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}

#endif
