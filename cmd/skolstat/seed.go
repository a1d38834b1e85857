package main

import (
	"context"
	"errors"
	"io"
)

// runSeed is not built yet (placeholder so the binary links while its issue is worked on).
func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("not implemented yet")
}
