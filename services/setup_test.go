package services

import (
	"strings"
	"testing"
)

func TestPolyfills(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"TextEncoder", `Array.from(new TextEncoder().encode("é€")).join(",")`, "195,169,226,130,172"},
		{"TextDecoder", `new TextDecoder().decode(new Uint8Array([0xEF, 0xBB, 0xBF, 104, 195, 169]))`, "hé"},
		{"TextDecoder invalid", `new TextDecoder("utf8").decode(new Uint8Array([104, 0xFF]))`, "h\uFFFD"},
		{"TextDecoder label", `(() => { try { new TextDecoder("latin1") } catch (e) { return e.name } })()`, "RangeError"},
		{"TextDecoder undefined", `new TextDecoder().decode()`, ""},
		{"btoa", `btoa("hello\xff")`, "aGVsbG//"},
		{"atob", `atob(" aGVs bG//\n") === "hello\xff"`, "true"},
		{"atob unpadded", `atob("YQ")`, "a"},
		{"atob invalid", `(() => { try { atob("*") } catch (e) { return e.message } })()`, "atob: the string is not valid base64"},
		{"btoa non-latin1", `(() => { try { btoa("€") } catch (e) { return e.message } })()`, "btoa: the string contains characters outside of the Latin1 range"},
		{"Buffer", `Buffer.from("hi").toString("base64") + Buffer.from("6869", "hex").toString()`, "aGk=hi"},
		{"URL", `new URL("/a?b=1#c", "https://x.example").searchParams.get("b") + new URL("https://x.example/p").pathname`, "1/p"},
		{"Headers", `(() => { const h = new Headers({B: "2", a: "1"}); h.append("a", "3"); h.set("c", " 4 "); h.delete("b");
			return [...h].map(([k, v]) => k + "=" + v).join(";") + "|" + h.has("A") + h.get("zz") })()`, "a=1, 3;c=4|truenull"},
		{"Headers bad init", `(() => { try { new Headers([["a"]]) } catch (e) { return e.message } })()`, "Headers: each entry must be a [name, value] pair"},
		{"Response", `(() => { const r = new Response("x", {status: 201, headers: {A: "b"}}); return [r.status, r.ok, r.headers.get("a"), r.bodyUsed].join() })()`, "201,true,b,false"},
		{"global", `global === globalThis`, "true"},
		{"process.argv", `process.argv.join(" ")`, "cozy-sandbox inproc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs, end := runInProcess(t, `console.log(String(`+tt.expr+`))`)
			if end.Status != statusOK {
				t.Fatalf("end %+v", end)
			}
			if len(logs) != 1 || logs[0].Message != tt.want {
				t.Errorf("got %q, want %q", messages(logs), tt.want)
			}
		})
	}
}

func TestPreludeHelpersAreHidden(t *testing.T) {
	logs, end := runInProcess(t, `console.log([typeof goFetch, typeof utf8Encode, typeof emitLog, typeof utilFormat, typeof __fetch].join())`)
	if end.Status != statusOK || len(logs) != 1 {
		t.Fatalf("end %+v logs %q", end, messages(logs))
	}
	if got := logs[0].Message; strings.Count(got, "undefined") != 5 {
		t.Errorf("helpers visible to scripts: %q", got)
	}
}
