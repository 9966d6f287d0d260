-- wrk script: a CORS preflight (OPTIONS with Origin, Access-Control-Request-Method and
-- Access-Control-Request-Headers), as a page's fetch(PUT, { headers: { Authorization } }) sends.
-- The origin comes from the environment (BENCH_ORIGIN), set by bench/run.sh and bench/profile.sh.
wrk.method = "OPTIONS"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN") or "http://app.bench.test"
wrk.headers["Access-Control-Request-Method"] = "PUT"
wrk.headers["Access-Control-Request-Headers"] = "authorization"
