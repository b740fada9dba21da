package wifi

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// The network-configs as Raspberry Pi Imager writes them (2.x under
// "network:", 1.8 at the top level with "renderer"), and by hand, against
// the wpa_supplicant configuration expected (testdata/*.wpa, reviewed).
func TestParseRendersImagerFiles(t *testing.T) {
	const psk = "efb068574f3eab438bb69704ba001faab8ed71fd4d0ce85380dde119f379a7e1"
	for _, tc := range []struct {
		file    string
		country string
		nets    []Network
		ignored int
	}{
		{"imager2.yaml", "FR", []Network{{SSID: "Maison Dupont", PSK: psk}}, 0},
		{"imager2-hidden.yaml", "GB", []Network{{SSID: `Say "hi" #1`, PSK: psk, Hidden: true}}, 0},
		{"imager18.yaml", "DE", []Network{{SSID: "Maison Dupont", PSK: psk}}, 0},
		// The clear passphrase gives the same PSK as Imager's hash.
		{"passphrase.yaml", "", []Network{{SSID: "Café d'en bas"}, {SSID: "Maison Dupont", PSK: psk}}, 3},
		{"open.yaml", "", []Network{{SSID: "Guest"}}, 0},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if cfg.Country != tc.country {
				t.Errorf("country %q, want %q", cfg.Country, tc.country)
			}
			if len(cfg.Networks) != len(tc.nets) {
				t.Fatalf("networks %+v, want %+v", cfg.Networks, tc.nets)
			}
			for i := range tc.nets {
				if cfg.Networks[i] != tc.nets[i] {
					t.Errorf("network %d: %+v, want %+v", i, cfg.Networks[i], tc.nets[i])
				}
			}
			if len(cfg.Ignored) != tc.ignored {
				t.Errorf("ignored %q, want %d items", cfg.Ignored, tc.ignored)
			}
			golden(t, strings.TrimSuffix(tc.file, ".yaml")+".wpa", cfg.WPASupplicant())
			if nd := string(cfg.Networkd()); !strings.Contains(nd, "Name=wlan0\n") || !strings.Contains(nd, "DHCP=yes\n") ||
				!strings.Contains(nd, "MulticastDNS=resolve\n") {
				t.Errorf("networkd file:\n%s", nd)
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	ap := func(ssid, rest string) string {
		return "network:\n  version: 2\n  wifis:\n    wlan0:\n      access-points:\n        \"" + ssid + "\":\n" + rest
	}
	for _, tc := range []struct {
		name, data, why string
	}{
		{"empty", "", "version 0"},
		{"not yaml", "network: [", "not YAML"},
		{"a list", "- 1\n- 2\n", "not YAML"},
		{"version 1", "network:\n  version: 1\n  config: []\n", "version 1"},
		{"no wifis", "network:\n  version: 2\n  ethernets:\n    eth0: {dhcp4: true}\n", "no wifis"},
		{"only renderer", "version: 2\nwifis:\n  renderer: networkd\n", "no wifis"},
		{"no access point", "network:\n  version: 2\n  wifis:\n    wlan0:\n      dhcp4: true\n", "no access-points"},
		{"long ssid", ap(strings.Repeat("x", 33), "          password: \"12345678\"\n"), "33 bytes"},
		{"empty ssid", ap("", "          password: \"12345678\"\n"), "0 bytes"},
		{"short password", ap("home", "          password: \"1234567\"\n"), "7 characters"},
		{"long password", ap("home", "          password: \""+strings.Repeat("a", 65)+"\"\n"), "65 characters"},
		{"64 not hex", ap("home", "          password: \""+strings.Repeat("g", 64)+"\"\n"), "hexadecimal"},
		{"control char", ap("home", "          password: \"abc\\tdefgh\"\n"), "printable"},
		{"enterprise", ap("corp", "          auth:\n            key-management: eap\n            password: \"12345678\"\n"), "eap"},
		{"bad country", "network:\n  version: 2\n  wifis:\n    wlan0:\n      regulatory-domain: FRA\n      access-points:\n        home: {}\n", "FRA"},
		{"digit country", "network:\n  version: 2\n  wifis:\n    wlan0:\n      regulatory-domain: \"00\"\n      access-points:\n        home: {}\n", "00"},
		{"wrong type", "network:\n  version: 2\n  wifis:\n    wlan0:\n      access-points: [a, b]\n", "wifis.wlan0"},
		{"too big", "# " + strings.Repeat("x", MaxSize) + "\n", "bytes, at most"},
		{"too many", func() string {
			s := "network:\n  version: 2\n  wifis:\n    wlan0:\n      access-points:\n"
			for i := range MaxNetworks + 1 {
				s += "        net" + string(rune('a'+i)) + ": {}\n"
			}
			return s
		}(), "at most 16"},
		{"alias bomb", "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
			"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n" +
			"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nversion: 2\nwifis: {wlan0: {access-points: *g}}\n", "invalid network-config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.data))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse: %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.why) {
				t.Errorf("error %q does not say %q", err, tc.why)
			}
		})
	}
}

// The IEEE 802.11i test vector, and a PSK given as such.
func TestPSK(t *testing.T) {
	got, err := PSK("IEEE", "password")
	if err != nil || got != "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e" {
		t.Fatalf("PSK = %q, %v", got, err)
	}
	hexPSK := strings.Repeat("Ab", 32)
	if got, err := PSK("x", hexPSK); err != nil || got != strings.ToLower(hexPSK) {
		t.Fatalf("PSK(hex) = %q, %v", got, err)
	}
}

// Whatever the file, Parse returns a valid configuration or ErrInvalid,
// and the rendered configuration never carries a byte of the input that
// could break out of its line.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"imager2.yaml", "imager2-hidden.yaml", "imager18.yaml", "passphrase.yaml", "open.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error without ErrInvalid: %v", err)
			}
			return
		}
		if len(cfg.Networks) == 0 || len(cfg.Networks) > MaxNetworks {
			t.Fatalf("%d networks", len(cfg.Networks))
		}
		if cfg.Country != "" && !isCountry(cfg.Country) {
			t.Fatalf("country %q", cfg.Country)
		}
		for _, n := range cfg.Networks {
			if len(n.SSID) < 1 || len(n.SSID) > 32 || (n.PSK != "" && len(n.PSK) != 64) {
				t.Fatalf("network %+v", n)
			}
		}
		conf := cfg.WPASupplicant()
		if !utf8.Valid(conf) {
			t.Fatalf("configuration is not UTF-8:\n%s", conf)
		}
		for _, line := range strings.Split(string(conf), "\n") {
			line = strings.TrimPrefix(line, "\t")
			switch {
			case line == "", line == "}", line == "network={", strings.HasPrefix(line, "# "):
			case strings.HasPrefix(line, "ssid="), strings.HasPrefix(line, "psk="):
				for _, c := range line[strings.IndexByte(line, '=')+1:] {
					if !strings.ContainsRune("0123456789abcdef", c) {
						t.Fatalf("line %q is not hex", line)
					}
				}
			case strings.HasPrefix(line, "country="), strings.HasPrefix(line, "ctrl_interface="), strings.HasPrefix(line, "update_config="),
				strings.HasPrefix(line, "scan_ssid="), strings.HasPrefix(line, "key_mgmt="), strings.HasPrefix(line, "ieee80211w="):
			default:
				t.Fatalf("unexpected line %q in\n%s", line, conf)
			}
		}
	})
}
