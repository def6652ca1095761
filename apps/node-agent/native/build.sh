#!/usr/bin/env bash
# Builds the node agent's native helper into native/build/ when its source is newer:
# minimesh-nft-batch (nftables mode's netlink path, nft-batch.c; needs a C compiler and the
# kernel headers of linux-libc-dev). Without it nftables mode sends everything through `nft`.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p build
cc=$(command -v cc || command -v gcc || command -v clang)
if [ ! -f build/minimesh-nft-batch ] || [ nft-batch.c -nt build/minimesh-nft-batch ]; then
  "$cc" -O2 -Wall -o build/minimesh-nft-batch.tmp nft-batch.c
  mv build/minimesh-nft-batch.tmp build/minimesh-nft-batch
fi
