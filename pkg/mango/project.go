package mango

// Project returns a document holding only the given fields of doc, as the
// "fields" option of _find does; nil or empty fields return doc itself.
// Sub-fields ("a.b") rebuild the enclosing objects; paths through arrays and
// missing fields are left out. Values are shared with doc, not copied.
func Project(doc map[string]any, fields []string) map[string]any {
	if len(fields) == 0 {
		return doc
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		path, err := ParseField(f)
		if err != nil {
			continue
		}
		var cur any = doc
		found := true
		for _, seg := range path {
			m, ok := cur.(map[string]any)
			if !ok {
				found = false
				break
			}
			if cur, ok = m[seg]; !ok {
				found = false
				break
			}
		}
		if found {
			setPath(out, path, cur)
		}
	}
	return out
}

func setPath(m map[string]any, path []string, v any) {
	for _, seg := range path[:len(path)-1] {
		prev, exists := m[seg]
		old, isMap := prev.(map[string]any)
		if exists && !isMap {
			return
		}
		// Copy: the map may be shared with the source document.
		next := make(map[string]any, len(old)+1)
		for k, v := range old {
			next[k] = v
		}
		m[seg] = next
		m = next
	}
	m[path[len(path)-1]] = v
}
