package nightly

// WithHooks returns cfg with crash points for the external tests: duringWrite runs inside the
// snapshot file before it is complete, beforeCurrent after it is complete but not yet current.
func WithHooks(cfg Config, duringWrite, beforeCurrent func()) Config {
	cfg.hooks = hooks{duringWrite: duringWrite, beforeCurrent: beforeCurrent}
	return cfg
}
