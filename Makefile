# skolstat — build, test, demo, bench. Every target installs what it needs itself.
GO        ?= go
TAGS      := duckdb_arrow
BIN       := bin/skolstat
PG        ?= postgres://postgres@127.0.0.1:5432/test
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ECHARTS_DIR := dashboards/assets/vendor

export SKOLSTAT_TEST_PG ?= $(PG)

.PHONY: fmt-check all build test demo bench bench-seed bench-etl lint assets pg clean

all: build

# ECharts comes from the npm registry, pinned by dashboards/assets/package-lock.json, and is
# embedded in the binary.
assets: $(ECHARTS_DIR)/echarts.min.js

$(ECHARTS_DIR)/echarts.min.js: dashboards/assets/package.json dashboards/assets/package-lock.json
	cd dashboards/assets && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(ECHARTS_DIR)
	cp dashboards/assets/node_modules/echarts/dist/echarts.min.js $(ECHARTS_DIR)/echarts.min.js
	cp dashboards/assets/node_modules/echarts/i18n/langSV.js $(ECHARTS_DIR)/langSV.js 2>/dev/null || \
	  cp dashboards/assets/node_modules/echarts/lib/i18n/langSV.js $(ECHARTS_DIR)/langSV.js
	touch $@

build: assets
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/skolstat

# pg starts the local PostgreSQL cluster when it is installed but down.
pg:
	@bash .ci/pg-up

test: assets pg fmt-check
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -tags $(TAGS) -count=1 -timeout 30m ./...

PROFILE ?= small
demo: build
	./$(BIN) demo --addr 127.0.0.1:8080 --data .demo --profile $(PROFILE)

bench: assets pg
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchtime 1x -timeout 60m ./...

bench-seed: assets pg
	$(GO) test -tags $(TAGS) -run '^$$' -bench BenchmarkSeed -benchtime 1x -timeout 30m ./etl/...

# bench-etl seeds ROWS attendance rows into a fresh database, then prints the raw binary COPY
# read rate of the table, the ETL's extract rate, their ratio and the extraction's peak memory.
ROWS ?= 10000000
bench-etl: pg
	$(GO) test -tags $(TAGS) -run '^$$' -bench BenchmarkExtractAttendance -benchtime 1x -timeout 60m \
	  ./etl/extract/ -args -rows $(ROWS)

lint: assets fmt-check
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...

# fmt-check fails when gofmt would change a tracked Go file.
fmt-check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

clean:
	rm -rf bin .demo $(ECHARTS_DIR) dashboards/assets/node_modules
