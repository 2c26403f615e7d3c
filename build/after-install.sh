#!/bin/sh
# deb post-install: register the .ckpt mime type and refresh the desktop databases.
set -e
install -Dm644 /opt/Checkpoint\ Studio/resources/checkpoint-studio-mime.xml /usr/share/mime/packages/checkpoint-studio.xml 2>/dev/null || true
command -v update-mime-database >/dev/null && update-mime-database /usr/share/mime || true
command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
