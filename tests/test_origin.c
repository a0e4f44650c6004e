/*
 * lib/origin.c: the same-origin check of state-changing requests
 * (ALLOWED_HOSTS, else the request's own Host) and the scheme behind a
 * proxy (X-Forwarded-Proto believed only from TRUSTED_PROXIES).
 */
#include <string.h>

#include "testmain.h"
#include "origin.h"

/* A configuration with just these two lists (NULL: unset). */
static struct config
cfg_with(char *hosts, char *proxies)
{
	struct config	 cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.allowed_hosts = hosts;
	cfg.trusted_proxies = proxies;
	return cfg;
}

static void
test_origin_absent_passes(void)
{
	struct config	 cfg = cfg_with(NULL, NULL);

	CU_ASSERT_EQUAL(origin_allowed(&cfg, "http", "shop:8080", NULL), 1);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "http", NULL, NULL), 1);
}

static void
test_origin_default_is_the_requests_host(void)
{
	struct config	 cfg = cfg_with(NULL, NULL);

	CU_ASSERT_EQUAL(origin_allowed(&cfg, "http", "127.0.0.1:8080",
	    "http://127.0.0.1:8080"), 1);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "http", "Shop.Example",
	    "http://shop.example"), 1);
	/* Another port, host, scheme; no Host; "null"; a path. */
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "http", "127.0.0.1:8080",
	    "http://127.0.0.1:9090"), 0);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "http", "127.0.0.1:8080",
	    "http://evil.example"), 0);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "https", "127.0.0.1:8080",
	    "http://127.0.0.1:8080"), 0);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "http", NULL,
	    "http://127.0.0.1:8080"), 0);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "http", "127.0.0.1", "null"), 0);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "http", "127.0.0.1",
	    "http://127.0.0.1/x"), 0);
}

static void
test_origin_allowed_hosts_replace_the_host_header(void)
{
	struct config	 cfg = cfg_with("ops.example.com, tablet.lan:8443",
	    NULL);

	CU_ASSERT_EQUAL(origin_allowed(&cfg, "https", "ops.example.com",
	    "https://ops.example.com"), 1);
	/* An entry without a port takes any port. */
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "https", "ops.example.com:444",
	    "https://OPS.example.com:444"), 1);
	/* An entry with a port takes that port only. */
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "https", "tablet.lan:8443",
	    "https://tablet.lan:8443"), 1);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "https", "tablet.lan:9000",
	    "https://tablet.lan:9000"), 0);
	/* DNS rebinding: Host and Origin agree, but the name is foreign. */
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "https", "evil.example",
	    "https://evil.example"), 0);
	/* A suffix or prefix of an allowed name is not that name. */
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "https", "x",
	    "https://ops.example.com.evil.example"), 0);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, "https", "x",
	    "https://ops.example.co"), 0);
}

static void
test_origin_forwarded_proto_only_from_trusted_proxies(void)
{
	struct config	 none = cfg_with(NULL, NULL);
	struct config	 cfg = cfg_with(NULL, "10.0.0.5, ::1");

	CU_ASSERT_STRING_EQUAL(origin_scheme(&none, "10.0.0.5", "https",
	    "http"), "http");
	CU_ASSERT_STRING_EQUAL(origin_scheme(&cfg, "10.0.0.6", "https",
	    "http"), "http");
	CU_ASSERT_STRING_EQUAL(origin_scheme(&cfg, "10.0.0.5", "https",
	    "http"), "https");
	CU_ASSERT_STRING_EQUAL(origin_scheme(&cfg, "0:0:0:0:0:0:0:1", "HTTPS",
	    "http"), "https");
	CU_ASSERT_STRING_EQUAL(origin_scheme(&cfg, "10.0.0.5", "gopher",
	    "http"), "http");
	CU_ASSERT_STRING_EQUAL(origin_scheme(&cfg, "10.0.0.5", NULL, "https"),
	    "https");
	CU_ASSERT_STRING_EQUAL(origin_scheme(&cfg, NULL, "https", "http"),
	    "http");
	/* Behind the proxy, the browser's https Origin is same-origin. */
	CU_ASSERT_EQUAL(origin_allowed(&cfg, origin_scheme(&cfg, "10.0.0.5",
	    "https", "http"), "ops.example.com", "https://ops.example.com"), 1);
	CU_ASSERT_EQUAL(origin_allowed(&cfg, origin_scheme(&cfg, "10.0.0.9",
	    "https", "http"), "ops.example.com", "https://ops.example.com"), 0);
}

static void
test_origin_validates_the_lists(void)
{
	CU_ASSERT_EQUAL(origin_valid_hosts("ops.example.com"), 1);
	CU_ASSERT_EQUAL(origin_valid_hosts("a.example,b.example:8443 [::1]:80"),
	    1);
	CU_ASSERT_EQUAL(origin_valid_hosts(" , "), 0);
	CU_ASSERT_EQUAL(origin_valid_hosts("http://ops.example.com"), 0);
	CU_ASSERT_EQUAL(origin_valid_hosts("ops.example.com:0"), 0);
	CU_ASSERT_EQUAL(origin_valid_hosts("ops.example.com:99999"), 0);
	CU_ASSERT_EQUAL(origin_valid_hosts("ops;example"), 0);
	CU_ASSERT_EQUAL(origin_valid_proxies("127.0.0.1, ::1"), 1);
	CU_ASSERT_EQUAL(origin_valid_proxies("127.0.0.1/8"), 0);
	CU_ASSERT_EQUAL(origin_valid_proxies("proxy.lan"), 0);
	CU_ASSERT_EQUAL(origin_valid_proxies(""), 0);
}

static CU_TestInfo tests[] = {
	{ "no Origin passes", test_origin_absent_passes },
	{ "default: the request's own Host",
	    test_origin_default_is_the_requests_host },
	{ "ALLOWED_HOSTS replace the Host header",
	    test_origin_allowed_hosts_replace_the_host_header },
	{ "X-Forwarded-Proto only from TRUSTED_PROXIES",
	    test_origin_forwarded_proto_only_from_trusted_proxies },
	{ "ALLOWED_HOSTS and TRUSTED_PROXIES validated",
	    test_origin_validates_the_lists },
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "origin", NULL, NULL, NULL, NULL, tests },
	CU_SUITE_INFO_NULL,
};

int
main(void)
{
	return testmain_run(suites);
}
