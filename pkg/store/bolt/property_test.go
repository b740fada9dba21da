package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// Replicating the same random histories into two databases in different
// orders (as two peers would receive them) gives identical documents:
// same winner, conflicts, deleted conflicts and revision history.
func TestReplicationOrderDoesNotMatter(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 40; iter++ {
		id := fmt.Sprintf("doc%d", iter)
		// A random tree of revisions: parent index per node.
		type node struct {
			pos     int
			hash    string
			parent  int
			deleted bool
		}
		nodes := []node{{1, "root", -1, false}}
		for i := 1; i < 2+rng.IntN(15); i++ {
			p := rng.IntN(len(nodes))
			nodes = append(nodes, node{nodes[p].pos + 1, fmt.Sprintf("h%x", rng.Uint32()), p, rng.IntN(4) == 0})
		}
		var bodies []string
		for k := 0; k < 1+rng.IntN(6); k++ {
			i := rng.IntN(len(nodes))
			var ids []string
			for j := i; j >= 0; j = nodes[j].parent {
				ids = append(ids, nodes[j].hash)
			}
			doc := map[string]any{
				"_id": id, "_rev": fmt.Sprintf("%d-%s", nodes[i].pos, nodes[i].hash),
				"_revisions": map[string]any{"start": nodes[i].pos, "ids": ids},
				// A revision id names its content, deletion included.
				"_deleted": nodes[i].deleted, "v": nodes[i].hash,
			}
			raw, _ := json.Marshal(doc)
			bodies = append(bodies, string(raw))
		}
		var got []string
		for order := 0; order < 3; order++ {
			db := s.DB(fmt.Sprintf("io.cozy.p%d", order))
			shuffled := append([]string(nil), bodies...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			raws := make([]json.RawMessage, len(shuffled))
			for i, b := range shuffled {
				raws[i] = json.RawMessage(b)
			}
			if _, err := db.BulkDocs(ctx, raws, false); err != nil {
				t.Fatal(err)
			}
			res, err := db.OpenRevs(ctx, id, nil, false, true)
			if err != nil {
				t.Fatal(err)
			}
			summary := ""
			for _, r := range res {
				summary += string(r.OK.Body) + "\n"
			}
			got = append(got, summary)
		}
		if got[0] != got[1] || got[1] != got[2] {
			t.Fatalf("iteration %d: orders disagree:\n%s\n%s\n%s", iter, got[0], got[1], got[2])
		}
	}
}
