/*
 * lib/db.h and lib/db.c without a database: the statement parameters
 * and the placeholder rows.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "testmain.h"

static int	 calls;

static const char *
next_name(void)
{
	static const char *const names[] = { "first", "second", "third" };

	return names[calls++ % 3];
}

/* Issue 8 item 2: DB_ARG_STR was a macro that evaluated x three times. */
static void
test_db_arg_str_evaluates_its_argument_once(void)
{
	struct db_arg	 a;

	calls = 0;
	a = db_arg_str(next_name());
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_EQUAL(a.type, DB_STR);
	CU_ASSERT_STRING_EQUAL(a.s, "first");
	CU_ASSERT_EQUAL(a.len, strlen("first"));
}

static void
test_db_arg_str_null_is_sql_null(void)
{
	struct db_arg	 a = db_arg_str(NULL), b = db_arg_int(-7);

	CU_ASSERT_EQUAL(a.type, DB_NULL);
	CU_ASSERT_PTR_NULL(a.s);
	CU_ASSERT_EQUAL(a.len, 0);
	CU_ASSERT_EQUAL(b.type, DB_INT);
	CU_ASSERT_EQUAL(b.i, -7);
}

static void
test_db_sql_repeat_makes_placeholder_rows(void)
{
	char	*s;

	s = db_sql_repeat("INSERT INTO t VALUES ", "(?, ?)", 3, ";");
	CU_ASSERT_STRING_EQUAL(s, "INSERT INTO t VALUES (?, ?), (?, ?), "
	    "(?, ?);");
	free(s);
	s = db_sql_repeat("a", "?", 0, "b");
	CU_ASSERT_STRING_EQUAL(s, "ab");
	free(s);
}

static CU_TestInfo tests[] = {
	{ "DB_ARG_STR evaluates its argument once",
	    test_db_arg_str_evaluates_its_argument_once },
	{ "db_arg_str(NULL) is SQL NULL", test_db_arg_str_null_is_sql_null },
	{ "db_sql_repeat makes placeholder rows",
	    test_db_sql_repeat_makes_placeholder_rows },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "db", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return testmain_run(suites);
}
