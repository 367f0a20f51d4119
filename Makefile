# Dinghuo's commands. `make run` builds everything and serves http://127.0.0.1:3000;
# `make test` runs every check CI runs. Both install what they need, skipping what is there.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.PHONY: run test test-postgres bench size-floor load load-postgres site tools browser-tools e2e sim crash hostile fuzz

SITE := target/site
WASM_BINDGEN_VERSION := 0.2.130
WASM_SPLIT_VERSION := 0.2.4
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The two wasm bundles are built with the standard library compiled for size from its
# sources (the stable toolchain's rust-src; RUSTC_BOOTSTRAP lets stable cargo take
# these -Z flags): core's small sort and formatting code (`optimize_for_size`), no file and
# line in panics, a panic that stops at once instead of formatting a message nobody on a
# phone reads, and derived `Debug` that prints a type's or variant's name only (the apps
# format with it only unit enums, as test ids, and console logs). Measured on the
# storefront (brotli, all modules): 860,116 -> 796,791 B, then 786,489 B with the last.
# The flags are added to `.cargo/config.toml`'s (cargo merges the lists).
WASM_BUILD := RUSTC_BOOTSTRAP=1 cargo build --target wasm32-unknown-unknown --profile wasm-release \
  -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size \
  --config 'target.wasm32-unknown-unknown.rustflags=["-Zlocation-detail=none","-Zunstable-options","-Cpanic=immediate-abort","-Zfmt-debug=shallow"]'
# Every native cargo command selects the same packages, so features unify the same way
# and no dependency is compiled twice (a second copy filled CI's disk).
NATIVE := --workspace --exclude storefront --exclude office --exclude size-floor

tools:
	rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt
	rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
	if [ "$$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then
	  # Exactly the crate's version, and without --locked (see ../shared/research/toolchain.md).
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	fi
	# Splits the storefront into the sign-in module and the modules loaded after it.
	if ! cargo install --list | grep -qx "wasm_split_cli_support v$(WASM_SPLIT_VERSION):"; then
	  cargo install --locked wasm_split_cli_support --version $(WASM_SPLIT_VERSION) --features build-binary
	fi
	# Brotli files are what phones download (a third smaller than gzip): `make run` makes
	# them too, not only the test command.
	if ! command -v brotli >/dev/null; then
	  ( $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q brotli ) \
	    || echo "warning: brotli could not be installed; the site is served gzip-compressed" >&2
	fi

# The storefront: wasm32 app (size profile) + wasm-bindgen glue + static files, precompressed.
site: tools
	$(WASM_BUILD) -p storefront --lib
	rm -rf $(SITE) && mkdir -p $(SITE)/pkg
	# Split at the app's `#[lazy]` functions (what a phone needs before sign-in, and the
	# rest); the main module then goes through wasm-bindgen, the others are loaded by
	# __wasm_split.js into the same memory, stripped of their names.
	wasm-split-cli --out-name app target/wasm32-unknown-unknown/wasm-release/storefront.wasm $(SITE)/pkg
	# A module loaded later is named by its build, so a page still running the previous
	# build never loads a module of this one (it fails cleanly and says so instead).
	build=$$(cat $(SITE)/pkg/*.wasm | sha256sum | cut -c1-12)
	for file in $$(cd $(SITE)/pkg && ls *.wasm | grep -vx app.wasm); do
	  mv $(SITE)/pkg/$$file $(SITE)/pkg/$${file%.wasm}.$$build.wasm
	  sed -i "s|\"\./$$file\"|\"./$${file%.wasm}.$$build.wasm\"|" $(SITE)/pkg/__wasm_split.js
	done
	wasm-bindgen --target web --no-typescript --remove-name-section --keep-lld-exports --out-name app \
	  --out-dir $(SITE)/pkg $(SITE)/pkg/app.wasm
	rm $(SITE)/pkg/app.wasm
	.ci/strip-wasm $(SITE)/pkg/*.wasm
	cp public/index.html public/manifest.webmanifest public/icon.svg $(SITE)/
	sed -e "s/__WASM_BYTES__/$$(stat -c %s $(SITE)/pkg/app_bg.wasm)/" public/boot.js > $(SITE)/boot.js
	cp -r public/scan $(SITE)/scan
	cp style/main.css $(SITE)/style.css
	build=$$(cat $(SITE)/pkg/*.wasm $(SITE)/pkg/*.js $(SITE)/style.css $(SITE)/index.html $(SITE)/boot.js $(SITE)/scan/*.js | sha256sum | cut -c1-16)
	# Not the QR scanner (an account manager's phone keeps it itself) nor the back office.
	shell=$$(cd $(SITE) && find . -type f ! -name '*.gz' ! -name '*.br' ! -path './office/*' ! -path './scan/*' | sed 's|^\.||' | sort | sed 's|.*|"&"|' | paste -sd, -)
	sed -e "s/__BUILD__/$$build/" -e "s|__SHELL__|[$$shell]|" public/sw.js > $(SITE)/sw.js
	# The back office: its own bundle under /office/, never in the storefront's shell.
	$(WASM_BUILD) -p office --lib
	mkdir -p $(SITE)/office/pkg
	wasm-bindgen --target web --no-typescript --remove-name-section --out-name office --out-dir $(SITE)/office/pkg \
	  target/wasm32-unknown-unknown/wasm-release/office.wasm
	# The linker's relocations (kept for the storefront's split) are not shipped.
	.ci/strip-wasm $(SITE)/office/pkg/office_bg.wasm
	cp public/office/index.html public/office/boot.js $(SITE)/office/
	cp style/office.css $(SITE)/office/office.css
	for file in $(SITE)/pkg/*.wasm $(SITE)/pkg/*.js $(SITE)/style.css $(SITE)/index.html $(SITE)/boot.js $(SITE)/scan/*.js \
	  $(SITE)/office/pkg/office_bg.wasm $(SITE)/office/pkg/office.js $(SITE)/office/office.css $(SITE)/office/index.html $(SITE)/office/boot.js; do
	  gzip -9 -k -f "$$file"
	  if command -v brotli >/dev/null; then brotli -q 11 -k -f "$$file"; fi
	done
	ls -l $(SITE)/pkg $(SITE)/office/pkg

run: site
	cargo run --release -p server --bin dinghuo

browser-tools:
	if ! command -v chromium >/dev/null || ! command -v brotli >/dev/null; then
	  $(SUDO) apt-get update -q
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium brotli
	fi
	cd end2end && npm ci --no-audit --no-fund --loglevel=error

e2e: site browser-tools
	cargo build $(NATIVE) --bin dinghuo
	cd end2end && npx playwright test

# CARGO_INCREMENTAL=0: a one-off build gains nothing from incremental state but its disk.
test: export CARGO_INCREMENTAL = 0
test: tools
	cargo fmt --all -- --check
	cargo clippy $(NATIVE) --all-targets -- -D warnings
	cargo clippy -p storefront -p office -p ui-kit -p size-floor --lib --target wasm32-unknown-unknown -- -D warnings
	cargo test $(NATIVE)
	.ci/fuzz-api target/debug/dinghuo $(FUZZ_EXAMPLES)
	$(MAKE) test-postgres
	$(MAKE) e2e
	.ci/size-check $(SITE)

# Examples per documented operation for the API fuzzer (.ci/fuzz-api, schemathesis).
FUZZ_EXAMPLES := 25

# The server's integration tests again on a real PostgreSQL (a throwaway cluster started
# here and stopped afterwards), plus two server processes sharing it.
PG_TESTS := --test api --test api_keys --test backups --test concurrent_sync --test access_matrix --test hostile_changes --test crash --test two_servers --test postgres_outage --test order_volumes --test catalog_api --test fulfilment --test returns --test entry --test edits --test manager_sync --test finance --test forecasts --test webhooks --test erp
test-postgres:
	pgdir=$$(mktemp -d)
	chmod 755 "$$pgdir"
	url=$$(.ci/postgres start "$$pgdir/cluster")
	trap '.ci/postgres stop "$$pgdir/cluster"; rm -rf "$$pgdir"' EXIT
	DINGHUO_TEST_POSTGRES="$$url" DINGHUO_TEST_POSTGRES_DIR="$$pgdir/cluster" cargo test $(NATIVE) $(PG_TESTS) -- --nocapture
	.ci/fuzz-api target/debug/dinghuo $(FUZZ_EXAMPLES) "$$url"

# The long runs of the fault tests (CI runs 1 000 seeds, 100 kills, 1 000 hostile changes).
# SIM_SEEDS, CRASH_KILLS and HOSTILE_CASES override the counts; a failing seed replays
# with SIM_SEED=<n> (or CRASH_SEED, HOSTILE_SEED).
sim:
	SIM_SEEDS=$${SIM_SEEDS:-20000} cargo test --release -p docs --test sync_simulation -- --nocapture

crash:
	CRASH_KILLS=$${CRASH_KILLS:-500} cargo test --release -p server --test crash -- --nocapture

hostile:
	HOSTILE_CASES=$${HOSTILE_CASES:-10000} cargo test --release -p server --test hostile_changes -- --nocapture

# Each fuzz target for FUZZ_SECONDS (default 60) on nightly with libFuzzer; an input that
# takes over 1 s counts as a failure. Crashes land in server/fuzz/artifacts/<target>/:
# copy them to server/fuzz/regressions/<target>/ so `make test` replays them.
FUZZ_TARGETS := sync_request doc_load order_request_json login_json
fuzz:
	rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
	cd server
	for target in $(FUZZ_TARGETS); do
	  mkdir -p fuzz/corpus/$$target
	  cargo +nightly fuzz run $$target fuzz/corpus/$$target fuzz/regressions/$$target -- \
	    -max_total_time=$${FUZZ_SECONDS:-60} -timeout=1 -rss_limit_mb=4096 -print_final_stats=1
	done

# The figures reported in issue notes: wasm size, sync bytes and round trips, intake rate,
# a 10k-SKU catalog natively and in Chromium (offline open), the order list at 100k orders.
bench: site browser-tools
	# What each bundle is made of, by crate (issue 13's size work starts here).
	command -v twiggy >/dev/null || cargo install twiggy --version 0.8.0
	.ci/size-check $(SITE) || true
	.ci/wasm-split target/wasm32-unknown-unknown/wasm-release/storefront.wasm
	.ci/wasm-split target/wasm32-unknown-unknown/wasm-release/office.wasm
	$(MAKE) --no-print-directory size-floor
	cargo run --release -p domain --example forecast_bench
	cargo build --release -p server --bin dinghuo --example bench --example order_list
	target/release/examples/bench
	target/release/examples/order_list
	rm -rf target/bench-data
	DINGHUO_BACKUP_HOURS=0 DINGHUO_ADDR=127.0.0.1:3300 DINGHUO_DATA=target/bench-data DINGHUO_DEMO_SKUS=10000 target/release/dinghuo &
	server=$$!
	trap 'kill $$server' EXIT
	until curl -sf http://127.0.0.1:3300/api/health >/dev/null; do sleep 0.5; done
	cd end2end && node bench/open_catalog.js
	kill $$server
	# An account manager with 200 shops (issue 11): first and steady-state sync, his list.
	rm -rf ../target/bench-manager
	DINGHUO_BACKUP_HOURS=0 DINGHUO_ADDR=127.0.0.1:3301 DINGHUO_DATA=../target/bench-manager DINGHUO_SITE=../$(SITE) DINGHUO_DEMO_SHOPS=200 ../target/release/dinghuo &
	server=$$!
	until curl -sf http://127.0.0.1:3301/api/health >/dev/null; do sleep 0.5; done
	node bench/manager_sync.js

# The least any storefront on this stack downloads (issue 13): app/size-floor holds
# Automerge documents synced by the device protocol, reads them, quotes an order with the
# domain engine, decodes JSON and mounts a Leptos router, with no screen of its own. Built
# as the storefront is (same flags, wasm-bindgen, stripped) and printed beside the built
# storefront's size.
size-floor: tools
	$(WASM_BUILD) -p size-floor --lib
	floor=$$(mktemp -d)
	wasm-bindgen --target web --no-typescript --remove-name-section --out-dir $$floor \
	  target/wasm32-unknown-unknown/wasm-release/size_floor.wasm
	.ci/strip-wasm $$floor/size_floor_bg.wasm
	echo "| size floor (app/size-floor), brotli | $$(brotli -q 11 -c $$floor/size_floor_bg.wasm | wc -c) B |"
	if ls $(SITE)/pkg/*.wasm.br >/dev/null 2>&1; then
	  echo "| storefront (make site), all modules, brotli | $$(cat $(SITE)/pkg/*.wasm.br | wc -c) B |"
	fi
	rm -rf $$floor

# Load through the real sync protocol against release servers: on SQLite with 10,000
# benchmark shops, intake with 50 devices (again with a webhook receiver that never
# answers, then the backlog delivered when it comes to life), one shop's 1,500th order
# against its first, a sign-in storm, and 500 devices syncing every 20 s for 5 minutes
# with a burst of oversized bodies halfway (the server's memory before, at the height and
# after); then intake on PostgreSQL (600 shops) with two server processes. LOAD_SECONDS
# (default 30) sets the intake run; STEADY_SECONDS (300) the steady one. The generator's
# own CPU use is printed beside the servers'. The benchmark servers make no scheduled
# backup (DINGHUO_BACKUP_HOURS=0: a copy of the whole database, once a day in use, would
# land in the middle of a run and be measured as the run).
LOAD_SHOPS := 10000
# What both load targets start with: a scratch directory, the servers they start (`pids`)
# and a clean-up that stops them whatever happened, and `up URL` to wait for a server.
define LOAD_SETUP
work=$$(mktemp -d)
chmod 755 "$$work"
pids=""
trap 'kill $$pids 2>/dev/null || true; .ci/postgres stop "$$work/pg" 2>/dev/null; rm -rf "$$work"' EXIT
up() { until curl -sf "$$1/api/health" >/dev/null; do sleep 0.5; done; }
endef
PG_LOAD_SHOPS := 600
load:
	cargo build --release -p server --bin dinghuo --example load
	$(LOAD_SETUP)
	echo "# SQLite (one process, synchronous=FULL)"
	DINGHUO_BACKUP_HOURS=0 DINGHUO_ADDR=127.0.0.1:3301 DINGHUO_DATA=$$work/sqlite DINGHUO_DEMO_SHOPS=$(LOAD_SHOPS) RUST_LOG=warn target/release/dinghuo &
	pid=$$!; pids="$$pids $$pid"; up http://127.0.0.1:3301
	target/release/examples/load intake http://127.0.0.1:3301 --devices 50 --seconds $${LOAD_SECONDS:-30} --first-shop 1 --server-pid $$pid
	target/release/examples/load history http://127.0.0.1:3301 --orders 1500 --first-shop 590 --server-pid $$pid
	target/release/examples/load webhooks http://127.0.0.1:3301 --devices 50 --seconds $${LOAD_SECONDS:-30} --first-shop 1 --server-pid $$pid
	target/release/examples/load signins http://127.0.0.1:3301 --devices 20 --first-shop 51 --server-pid $$pid
	target/release/examples/load steady http://127.0.0.1:3301 --devices 500 --seconds $${STEADY_SECONDS:-300} --oversized 40 --first-shop 1000 --server-pid $$pid
	kill $$pid
	$(MAKE) --no-print-directory load-postgres

# The PostgreSQL part of `make load` alone (about a minute, LOAD_SECONDS as there): a
# throwaway cluster with 600 benchmark shops, two server processes, 25 devices on each.
load-postgres:
	cargo build --release -p server --bin dinghuo --example load
	$(LOAD_SETUP)
	echo "# PostgreSQL (two server processes)"
	url=$$(.ci/postgres start "$$work/pg")
	DINGHUO_ADDR=127.0.0.1:3302 DINGHUO_DATA=$$work/a DINGHUO_DATABASE_URL="$$url" DINGHUO_DEMO_SHOPS=$(PG_LOAD_SHOPS) RUST_LOG=warn target/release/dinghuo &
	a=$$!; pids="$$pids $$a"; up http://127.0.0.1:3302
	DINGHUO_ADDR=127.0.0.1:3303 DINGHUO_DATA=$$work/b DINGHUO_DATABASE_URL="$$url" RUST_LOG=warn target/release/dinghuo &
	b=$$!; pids="$$pids $$b"; up http://127.0.0.1:3303
	target/release/examples/load intake http://127.0.0.1:3302 --devices 25 --seconds $${LOAD_SECONDS:-30} --first-shop 1 --server-pid $$a --server-pid $$b &
	first=$$!
	target/release/examples/load intake http://127.0.0.1:3303 --devices 25 --seconds $${LOAD_SECONDS:-30} --first-shop 26 --server-pid $$a --server-pid $$b
	wait $$first
