# Safari Detail Ops: build, run and test.
#
#   make             build the library, the FastCGI programs and the unit tests
#   make run         install what is missing (as root), build, and bring up
#                    MariaDB, the programs, nginx and the reconcile schedule
#   make stop        stop exactly what `make run` started
#   make test        unit tests, then integration and browser tests against a
#                    private stack on free ports (beside a running `make run`)
#   make bench       performance figures, printed as a table
#   make check-asan  unit and integration tests under ASan and UBSan
#   make valgrind    unit tests under valgrind
#   make fuzz        run the parsers' fuzz targets for a while (clang)
#   make clean       remove what the build made
#
# Variables (set on the command line or in Makefile.local):
#   PORT   nginx port for `make run` (default 8080)
#   BUILD  where objects and programs go (default build)
#   CC, CFLAGS, PKG_CONFIG as usual

CC		?= cc
PKG_CONFIG	?= pkg-config
PORT		?= 8080
BUILD		?= build
CFLAGS		?= -O2 -g

-include Makefile.local

PKGS		 = fcgi json-c libcurl libmariadb libcrypto
ALL_CFLAGS	 = -std=c11 -D_GNU_SOURCE -fPIC -Wall -Wextra -Werror \
		   -Wshadow -Wformat=2 -Ilib -MMD -MP \
		   $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LIBS		 = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
TEST_LIBS	 = $(shell $(PKG_CONFIG) --libs cunit 2>/dev/null)

LIB_SRCS	 = lib/log.c lib/config.c lib/tz.c lib/db.c lib/http.c \
		   lib/jobs.c lib/runs.c lib/app.c lib/api.c lib/square.c \
		   lib/reconcile.c lib/webhook.c lib/origin.c lib/push.c lib/calendar.c
PROGS		 = calendar job reconcile webhook
# The photo program alone links libvips, through objects of its own that
# are not in libsafari.so (which every program loads): the calendar and
# job programs start without it.
PHOTO_SRCS	 = lib/media.c lib/photos.c
PHOTO_OBJS	 = $(PHOTO_SRCS:%.c=$(BUILD)/%.o)
PHOTO_BIN	 = $(BUILD)/cgi-bin/photo
VIPS_CFLAGS	 = $(shell $(PKG_CONFIG) --cflags vips 2>/dev/null)
VIPS_LIBS	 = $(shell $(PKG_CONFIG) --libs vips 2>/dev/null)
UNIT_TESTS	 = test_tz test_square test_config test_http test_jobs test_api \
		   test_webhook test_origin test_push
SERVICE_TESTS	 = test_square_http

LIB		 = $(BUILD)/lib/libsafari.so
LIB_OBJS	 = $(LIB_SRCS:%.c=$(BUILD)/%.o)
PROG_BINS	 = $(PROGS:%=$(BUILD)/cgi-bin/%)
TEST_BINS	 = $(UNIT_TESTS:%=$(BUILD)/tests/%) \
		   $(SERVICE_TESTS:%=$(BUILD)/tests/%)
RPATH		 = -Wl,-rpath,'$$ORIGIN/../lib'

.PHONY: all run stop test unit integration bench check-asan valgrind fuzz \
	deps clean

MIGRATE		 = $(BUILD)/bin/safari-migrate

all: $(LIB) $(PROG_BINS) $(PHOTO_BIN) $(MIGRATE) $(TEST_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(PHOTO_OBJS) $(BUILD)/cgi-bin/photo.o: ALL_CFLAGS += $(VIPS_CFLAGS)

$(PHOTO_BIN): $(BUILD)/cgi-bin/photo.o $(PHOTO_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $< $(PHOTO_OBJS) -L$(BUILD)/lib -lsafari \
	    $(LIBS) $(VIPS_LIBS) $(RPATH)

$(LIB): $(LIB_OBJS)
	$(CC) $(CFLAGS) -shared -o $@ $(LIB_OBJS) $(LIBS)

$(PROG_BINS): $(BUILD)/cgi-bin/%: $(BUILD)/cgi-bin/%.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $< -L$(BUILD)/lib -lsafari $(LIBS) $(RPATH)

# The migration tool: the programs' settings and the MySQL client only.
$(MIGRATE): $(BUILD)/sql/migrate.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< -L$(BUILD)/lib -lsafari $(LIBS) $(RPATH)

$(TEST_BINS): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(CFLAGS) -o $@ $< -L$(BUILD)/lib -lsafari $(LIBS) $(TEST_LIBS) \
	    $(RPATH)

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
	@BUILD=$(BUILD) scripts/test-integration.sh

unit: $(TEST_BINS)
	@scripts/run-unit.sh $(UNIT_TESTS:%=$(BUILD)/tests/%)

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/bench.sh

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    all unit
	@BUILD=build/asan ASAN_OPTIONS=detect_leaks=1 \
	    scripts/test-integration.sh

valgrind: all
	@VALGRIND=1 scripts/run-unit.sh $(UNIT_TESTS:%=$(BUILD)/tests/%)

fuzz: deps
	@scripts/fuzz.sh

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(PROG_BINS:=.d) $(TEST_BINS:=.d) \
	$(BUILD)/sql/migrate.d \
	$(PHOTO_OBJS:.o=.d) $(PHOTO_BIN).d
