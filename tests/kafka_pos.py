#!/usr/bin/env python3
import sys, json
# Tags records with Kafka provenance: 3 partitions in turn; every 4th
# message carries two records (a v2 page), so two lines share an offset.
off = [0, 0, 0]; p = 0; pend = 0
for i, line in enumerate(sys.stdin):
    r = json.loads(line)
    r['kafka_topic'] = 'raw_tweets'; r['kafka_partition'] = p; r['kafka_offset'] = off[p]
    print(json.dumps(r, separators=(',', ':')))
    if pend == 0 and off[p] % 4 == 3:
        pend = 1            # the next record is in the same message
        continue
    pend = 0; off[p] += 1; p = (p + 1) % 3
