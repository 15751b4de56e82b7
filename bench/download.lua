-- download.lua URL DEST: one sonic.download
print(sonic.download(arg[1], arg[2]))
