# Safari Detail Ops: build, run and test.
#
#   make             build the libraries, the programs and the migration tool
#                    (no CUnit needed)
#   make check       build and run the unit tests (CUnit), installing nothing
#   make integration the integration and browser tests alone
#   make install     install for a server with nginx and systemd (PREFIX,
#                    DESTDIR, SYSCONFDIR)
#   make dist-cgi    the shared-hosting upload tree in dist/cgi/
#   make run         install what is missing (as root), build, and bring up
#                    MariaDB, the programs, nginx and the reconcile schedule
#   make stop        stop exactly what `make run` started
#   make test        unit tests, then integration and browser tests against a
#                    private stack on free ports (beside a running `make run`),
#                    then both deployments for real: the upload tree behind
#                    Apache, and make install's nginx and systemd files
#   make bench       performance figures, printed as a table
#   make check-asan  unit and integration tests under ASan and UBSan
#   make valgrind    unit tests under valgrind
#   make fuzz        run the parsers' fuzz targets for a while (clang)
#   make clean       remove what the build made
#
# Variables (set on the command line or in Makefile.local):
#   PORT       nginx port for `make run` (default 8080)
#   BUILD      where objects and programs go (default build)
#   PREFIX     where `make install` puts the product (default /usr/local)
#   DESTDIR    staging root for `make install` (packaging, tests)
#   SYSCONFDIR configuration root of `make install` (default /etc)
#   DIST       where `make dist-cgi` puts the upload tree (default dist)
#   SERVER_NAME the public name `make install` writes into the nginx and
#              reconcile files (default ops.example.com)
#   CC, CFLAGS, LDFLAGS, PKG_CONFIG as usual

CC		?= cc
PKG_CONFIG	?= pkg-config
PORT		?= 8080
BUILD		?= build
CFLAGS		?= -O2 -g
LDFLAGS		?=
PREFIX		?= /usr/local
DESTDIR		?=
SYSCONFDIR	?= /etc
DIST		?= dist
SERVER_NAME	?= ops.example.com

-include Makefile.local

# The core library (every program) needs no libcurl; the Square library
# (reconcile and webhook only) adds the Square client and libcurl.
CORE_PKGS	 = fcgi json-c libmariadb libcrypto libxcrypt
SQUARE_PKGS	 = libcurl
WARNINGS	 = -Wall -Wextra -Werror -Wshadow -Wformat=2 \
		   -Wmissing-prototypes -Wstrict-prototypes -Wcast-qual
ALL_CFLAGS	 = -std=c11 -D_GNU_SOURCE -fPIC $(WARNINGS) -Ilib -MMD -MP \
		   $(shell $(PKG_CONFIG) --cflags $(CORE_PKGS) $(SQUARE_PKGS) 2>/dev/null) \
		   $(CFLAGS)
CORE_LIBS	 = $(shell $(PKG_CONFIG) --libs $(CORE_PKGS) 2>/dev/null)
SQUARE_LIBS	 = $(shell $(PKG_CONFIG) --libs $(SQUARE_PKGS) 2>/dev/null)
TEST_LIBS	 = $(shell $(PKG_CONFIG) --libs cunit 2>/dev/null)

CORE_SRCS	 = lib/log.c lib/config.c lib/tz.c lib/db.c lib/http.c \
		   lib/jobs.c lib/runs.c lib/app.c lib/api.c lib/origin.c \
		   lib/push.c lib/calendar.c lib/json.c lib/patch.c lib/login.c
SQUARE_SRCS	 = lib/square.c lib/square_json.c lib/reconcile.c lib/webhook.c \
		   lib/api_square.c
CORE_PROGS	 = calendar job
SQUARE_PROGS	 = reconcile webhook
PROGS		 = $(CORE_PROGS) $(SQUARE_PROGS) photo
# The photo program alone links libvips, through objects of its own that
# are in neither library: the calendar and job programs start without it.
PHOTO_SRCS	 = lib/media.c lib/photos.c
PHOTO_OBJS	 = $(PHOTO_SRCS:%.c=$(BUILD)/%.o)
PHOTO_BIN	 = $(BUILD)/cgi-bin/photo
VIPS_CFLAGS	 = $(shell $(PKG_CONFIG) --cflags vips 2>/dev/null)
VIPS_LIBS	 = $(shell $(PKG_CONFIG) --libs vips 2>/dev/null)
UNIT_TESTS	 = test_tz test_square test_config test_http test_jobs test_api \
		   test_webhook test_origin test_push test_json test_db test_login
SERVICE_TESTS	 = test_square_http

LIB		 = $(BUILD)/lib/libsafari.so
SQUARE_LIB	 = $(BUILD)/lib/libsafari-square.so
CORE_OBJS	 = $(CORE_SRCS:%.c=$(BUILD)/%.o)
SQUARE_OBJS	 = $(SQUARE_SRCS:%.c=$(BUILD)/%.o)
CORE_BINS	 = $(CORE_PROGS:%=$(BUILD)/cgi-bin/%)
SQUARE_BINS	 = $(SQUARE_PROGS:%=$(BUILD)/cgi-bin/%)
PROG_BINS	 = $(CORE_BINS) $(SQUARE_BINS) $(PHOTO_BIN)
MIGRATE		 = $(BUILD)/bin/safari-migrate
TEST_BINS	 = $(UNIT_TESTS:%=$(BUILD)/tests/%) \
		   $(SERVICE_TESTS:%=$(BUILD)/tests/%)
# Programs find the libraries in ../lib beside them, and the libraries
# each other (and what an upload tree carries) in their own directory.
RPATH		 = -Wl,-rpath,'$$ORIGIN/../lib'
LIB_RPATH	 = -Wl,-rpath,'$$ORIGIN'
LINK		 = $(CC) $(CFLAGS) $(LDFLAGS)
# libcrypto first in the programs' load order: the dynamic loader looks
# every symbol up along that order at start (Debian builds its libraries
# BIND_NOW), and libcrypto's own are the most: 17% fewer instructions
# from exec to the first request, which a CGI start pays each time.
LOAD_FIRST	 = -Wl,--push-state,--no-as-needed -lcrypto -Wl,--pop-state

.PHONY: all run stop test check unit integration bench check-asan valgrind \
	fuzz deps install dist-cgi clean

# `make` builds the product only; the tests' build (CUnit) is `make check`.
all: $(LIB) $(SQUARE_LIB) $(PROG_BINS) $(MIGRATE)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(PHOTO_OBJS) $(BUILD)/cgi-bin/photo.o: ALL_CFLAGS += $(VIPS_CFLAGS)

# Every library's symbols resolved at link time (-z defs): the core
# library provably needs nothing of the Square library or libcurl.
$(LIB): $(CORE_OBJS)
	$(LINK) -shared -Wl,-z,defs -o $@ $(CORE_OBJS) $(CORE_LIBS) $(LIB_RPATH)

$(SQUARE_LIB): $(SQUARE_OBJS) $(LIB)
	$(LINK) -shared -Wl,-z,defs -o $@ $(SQUARE_OBJS) -L$(BUILD)/lib \
	    -lsafari $(CORE_LIBS) $(SQUARE_LIBS) $(LIB_RPATH)

$(CORE_BINS): $(BUILD)/cgi-bin/%: $(BUILD)/cgi-bin/%.o $(LIB)
	$(LINK) -o $@ $< $(LOAD_FIRST) -L$(BUILD)/lib -lsafari $(CORE_LIBS) \
	    $(RPATH)

$(SQUARE_BINS): $(BUILD)/cgi-bin/%: $(BUILD)/cgi-bin/%.o $(SQUARE_LIB)
	$(LINK) -o $@ $< $(LOAD_FIRST) -L$(BUILD)/lib -lsafari-square -lsafari \
	    $(CORE_LIBS) $(RPATH)

# libcurl named first (libvips's own dependencies need it): loaded from
# the upload tree's lib/ through RUNPATH, it also serves libvips there.
$(PHOTO_BIN): $(BUILD)/cgi-bin/photo.o $(PHOTO_OBJS) $(LIB)
	$(LINK) -o $@ $< $(PHOTO_OBJS) -L$(BUILD)/lib -lsafari $(CORE_LIBS) \
	    -Wl,--push-state,--no-as-needed $(SQUARE_LIBS) -Wl,--pop-state \
	    $(VIPS_LIBS) $(RPATH)

# The migration tool: the programs' settings and the MySQL client only.
$(MIGRATE): $(BUILD)/sql/migrate.o $(LIB)
	@mkdir -p $(@D)
	$(LINK) -o $@ $< -L$(BUILD)/lib -lsafari $(CORE_LIBS) $(RPATH)

$(TEST_BINS): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(SQUARE_LIB)
	$(LINK) -o $@ $< -L$(BUILD)/lib -lsafari-square -lsafari $(CORE_LIBS) \
	    $(SQUARE_LIBS) $(TEST_LIBS) $(RPATH)

# Install missing Debian packages (as root), or say what to install.
deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) PORT=$(PORT) scripts/stack.sh start

stop:
	@scripts/stack.sh stop

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory dist-cgi
	@BUILD=$(BUILD) DIST=$(DIST) scripts/test-integration.sh

# The unit tests alone, with what is installed (no packages installed).
check: unit

unit: all $(TEST_BINS)
	@scripts/run-unit.sh $(UNIT_TESTS:%=$(BUILD)/tests/%)

# The integration and browser tests alone (a private stack).
integration: all $(TEST_BINS)
	@$(MAKE) --no-print-directory dist-cgi
	@BUILD=$(BUILD) DIST=$(DIST) scripts/test-integration.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory dist-cgi
	@BUILD=$(BUILD) DIST=$(DIST) scripts/bench.sh

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    all unit
	@BUILD=build/asan ASAN_OPTIONS=detect_leaks=1 NO_DEPLOY_TESTS=1 \
	    scripts/test-integration.sh

valgrind: all $(TEST_BINS)
	@VALGRIND=1 scripts/run-unit.sh $(UNIT_TESTS:%=$(BUILD)/tests/%)

fuzz: deps
	@scripts/fuzz.sh

# A server with nginx and systemd (see scripts/install.sh).
install: all
	@BUILD=$(BUILD) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) \
	    SYSCONFDIR=$(SYSCONFDIR) SERVER_NAME=$(SERVER_NAME) scripts/install.sh

# The shared-hosting upload tree (see scripts/dist-cgi.sh).
dist-cgi: all
	@BUILD=$(BUILD) DIST=$(DIST) scripts/dist-cgi.sh

clean:
	rm -rf $(BUILD) $(DIST)

-include $(CORE_OBJS:.o=.d) $(SQUARE_OBJS:.o=.d) $(PROG_BINS:=.d) \
	$(TEST_BINS:=.d) $(BUILD)/sql/migrate.d $(PHOTO_OBJS:.o=.d)
