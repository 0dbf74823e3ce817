package main

import (
	"bufio"
	"net"
	"strconv"
	"testing"
)

// fakeRedis answers one connection's first command with reply.
func fakeRedis(t *testing.T, reply string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		rd := bufio.NewReader(conn)
		for range 5 { // *2, $4, INFO, $5, stats
			if _, err := rd.ReadString('\n'); err != nil {
				return
			}
		}
		conn.Write([]byte(reply))
	}()
	return ln.Addr().String()
}

func TestRedisCommands(t *testing.T) {
	body := "# Stats\r\ntotal_connections_received:3\r\ntotal_commands_processed:1234\r\n"
	for _, tc := range []struct {
		name  string
		reply string
		want  int64
		ok    bool
	}{
		{"stats", "$" + strconv.Itoa(len(body)) + "\r\n" + body + "\r\n", 1234, true},
		{"no count", "$9\r\n# Stats\r\n\r\n", 0, false},
		{"error", "-NOPERM no\r\n", 0, false},
		{"short", "$100\r\nabc", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := redisCommands(fakeRedis(t, tc.reply))
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("redisCommands = %d, %v; want %d, ok %v", got, err, tc.want, tc.ok)
			}
		})
	}
}
