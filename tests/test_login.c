/*
 * lib/login.c: Basic headers checked against an htpasswd file with
 * crypt, a success remembered, every change to the file forgetting it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "login.h"
#include "testmain.h"

/* SHA-512 crypt of "Hello world!" (the SHA-crypt specification's vector). */
#define HASH	"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/" \
		"O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
#define RIGHT	"Basic c3RhZmY6SGVsbG8gd29ybGQh"	/* staff:Hello world! */
#define WRONG	"Basic c3RhZmY6SGVsbG8gd29ybGQ/"	/* staff:Hello world? */
#define OTHER	"Basic bm9ib2R5OkhlbGxvIHdvcmxkIQ=="	/* nobody:Hello world! */

static char	 dir[] = "/tmp/test_login.XXXXXX";
static char	 file[64];

static void
put(const char *content)
{
	FILE	*f = fopen(file, "w");

	CU_ASSERT_FATAL(f != NULL);
	fputs(content, f);
	fclose(f);
}

static int
setup(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(file, sizeof(file), "%s/htpasswd", dir);
	return 0;
}

static int
teardown(void)
{
	unlink(file);
	rmdir(dir);
	return 0;
}

static void
test_login_right_password_passes(void)
{
	char	 user[64] = "";

	login_forget();
	put("someone:" HASH "\nstaff:" HASH "\n");
	CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)), 1);
	CU_ASSERT_STRING_EQUAL(user, "staff");
	/* Remembered: the same answer again. */
	CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)), 1);
}

static void
test_login_wrong_or_malformed_is_refused(void)
{
	static const char *const bad[] = {
		WRONG, OTHER, "Bearer abc", "Basic", "Basic ", "Basic !!!!",
		"Basic c3RhZmZIZWxsbw==",	/* no colon */
		"basic c3RhZmY6SGVsbG8gd29ybGQ",	/* not padded */
	};
	char	 user[64];
	size_t	 i;

	login_forget();
	put("staff:" HASH "\n");
	CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(login_check(file, bad[i], user,
		    sizeof(user)), 0);
	CU_ASSERT_EQUAL(login_check(file, NULL, user, sizeof(user)), 0);
	/* A locked account ("!" or "*") never passes. */
	put("staff:!" HASH "\n");
	CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)), 0);
}

static void
test_login_file_change_forgets_at_once(void)
{
	char	 user[64];

	login_forget();
	put("staff:" HASH "\n");
	CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)), 1);
	/* The same length, another password: refused on the next check. */
	put("staff:$6$saltstring$" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)), 0);
	put("staff:" HASH "\n");
	CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)), 1);
	/* Removed: refused. */
	put("someone:" HASH "\n");
	CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)), 0);
}

static void
test_login_unreadable_file_is_an_error(void)
{
	char	 user[64], missing[80];

	login_forget();
	snprintf(missing, sizeof(missing), "%s/none", dir);
	CU_ASSERT_EQUAL(login_check(missing, RIGHT, user, sizeof(user)), -1);
	put("staff:" HASH "\n");
	CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)), 1);
	/* A chmod is a change too; root reads any file, so only then. */
	if (geteuid() != 0) {
		CU_ASSERT_EQUAL(chmod(file, 0), 0);
		CU_ASSERT_EQUAL(login_check(file, RIGHT, user, sizeof(user)),
		    -1);
		chmod(file, 0600);
	}
}

static CU_TestInfo tests[] = {
	{ "the right password passes", test_login_right_password_passes },
	{ "a wrong or malformed header is refused",
	    test_login_wrong_or_malformed_is_refused },
	{ "a change to the file forgets every login at once",
	    test_login_file_change_forgets_at_once },
	{ "an unreadable file is an error",
	    test_login_unreadable_file_is_an_error },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "login", setup, teardown, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return testmain_run(suites);
}
