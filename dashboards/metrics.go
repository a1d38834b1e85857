package dashboards

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skolstat/skolstat/dashboards/accesslog"
	"github.com/skolstat/skolstat/dashboards/store"
)

// metrics are the server's Prometheus metrics.
type metrics struct {
	reg      *prometheus.Registry
	duration *prometheus.HistogramVec
	cells    *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, st *store.Store, lastRun func() (RunStatus, bool)) (*metrics, error) {
	m := &metrics{
		reg: reg,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "skolstat_http_request_duration_seconds",
			Help:    "Latency of HTTP requests by route template, method and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method", "status"}),
		cells: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skolstat_cells_total",
			Help: "Cells returned by pages, API and downloads; kind shown or hidden (suppressed or coded).",
		}, []string{"route", "kind"}),
	}
	age := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "skolstat_snapshot_age_seconds",
		Help: "Seconds since the served snapshot's data was extracted (NaN without a snapshot).",
	}, func() float64 {
		snap, err := st.Current()
		if err != nil {
			return nan()
		}
		return snap.Age(time.Now()).Seconds()
	})
	loaded := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "skolstat_snapshot_loaded",
		Help: "1 when a snapshot is loaded (ready), else 0.",
	}, func() float64 {
		if st.Ready() {
			return 1
		}
		return 0
	})
	run := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "skolstat_etl_last_run_success",
		Help: "1 when the last recorded ETL run succeeded, 0 when it failed, NaN when none is recorded.",
	}, func() float64 {
		if lastRun == nil {
			return nan()
		}
		r, ok := lastRun()
		switch {
		case !ok:
			return nan()
		case r.OK:
			return 1
		}
		return 0
	})
	for _, c := range []prometheus.Collector{m.duration, m.cells, age, loaded, run,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func nan() float64 {
	var zero float64
	return zero / zero
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe records each request's latency by route template, and the cells it noted.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	status := c.Writer.Status()
	s.metrics.duration.WithLabelValues(route, c.Request.Method, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	if returned, hidden, ok := accesslog.Noted(c); ok {
		s.metrics.cells.WithLabelValues(route, "shown").Add(float64(returned - hidden))
		s.metrics.cells.WithLabelValues(route, "hidden").Add(float64(hidden))
	}
	if status >= 500 {
		s.log.Warn("request", "method", c.Request.Method, "route", route, "status", status, "duration", time.Since(start))
	} else {
		s.log.Debug("request", "method", c.Request.Method, "route", route, "status", status, "duration", time.Since(start))
	}
}
