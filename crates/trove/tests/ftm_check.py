"""Checks a FollowTheMoney JSON-lines export with the followthemoney
package: every line a known schema, every property the schema's and its
value valid for the property's type, every entity reference resolved.
Prints one line per schema with its count; exits 1 on the first fault."""
import json
import sys

from followthemoney import model

entities = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
ids = {e["id"] for e in entities}
counts = {}
for entity in entities:
    schema = model.get(entity["schema"])
    if schema is None:
        sys.exit(f"unknown schema {entity['schema']}")
    proxy = model.get_proxy(entity, cleaned=False)
    for name, values in entity["properties"].items():
        prop = schema.get(name)
        if prop is None:
            sys.exit(f"{entity['id']}: {schema.name} has no property {name}")
        for value in values:
            if prop.type.name == "entity":
                if value not in ids:
                    sys.exit(f"{entity['id']}: {name} refers to {value}, not in the export")
            elif prop.type.clean(value, proxy=proxy) is None:
                sys.exit(f"{entity['id']}: {value!r} is not a valid {prop.type.name} for {name}")
    counts[schema.name] = counts.get(schema.name, 0) + 1
for name, count in sorted(counts.items()):
    print(name, count)
