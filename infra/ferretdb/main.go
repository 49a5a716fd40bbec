// Command ferretdb runs FerretDB v1 with its SQLite handler as a small,
// MongoDB-compatible server for machines without Docker. It embeds FerretDB's
// public package instead of building FerretDB's own command, whose version
// stamping needs files that only its release pipeline generates.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data", "data", "folder for the SQLite databases")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	postgresqlURL := flag.String("postgresql-url", "", "use the PostgreSQL handler with this server instead of SQLite")
	// FerretDB keeps SQLite in WAL mode. Its default, synchronous=FULL, syncs the log to disk at every
	// commit; NORMAL syncs it at checkpoints only, so a commit survives a crash of this process but may
	// be lost to a power cut or a crash of the machine. That is what MongoDB promises by default too: a
	// write acknowledged without j:true is made durable by the next journal flush, up to 100 ms later.
	synchronous := flag.String("synchronous", "normal", "SQLite's synchronous setting: normal (like MongoDB's default write concern) or full (sync at every commit)")
	flag.Parse()

	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		log.Fatal(err)
	}

	if *synchronous != "normal" && *synchronous != "full" {
		log.Fatalf("-synchronous must be normal or full, not %q", *synchronous)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		log.Fatal(err)
	}

	config := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dataDir + "/?_pragma=synchronous(" + *synchronous + ")",
	}
	if *postgresqlURL != "" {
		config.Handler = "postgresql"
		config.PostgreSQLURL = *postgresqlURL
		config.SQLiteURL = ""
	}

	f, err := ferretdb.New(config)
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	slog.Info("ferretdb listening", "addr", *listen, "data", *dataDir)
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
