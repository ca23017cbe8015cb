"""Reads the rows of an .xlsx import in a process of its own and hands them over a pipe, pickled by chunk.

openpyxl's parsing is Python work that holds the GIL; in its own process it runs on the second core
while the import cleans and writes the rows it already has, so an import takes about as long as
reading its file. This file is run as a script (`python -I sheet_reader.py <file>`) and imports
nothing of the application: the process stays as small as openpyxl reading a sheet.

Messages, each one pickle on stdout: ("rows", [(row number, cells), ...]) for up to CHUNK non-empty
rows, then ("end",), or ("error", exception type name) if the file cannot be read."""

import os
import pickle
import resource
import sys

CHUNK = 1000
# A sheet that needs more than this is a decompression bomb, not a customer list: reading it fails
# with MemoryError in this process, reported as an unreadable file, and the service is untouched.
ADDRESS_SPACE_LIMIT = 2 << 30


def send(stream, message) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)


def read_rows(path: str, stream) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        chunk = []
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            if values and any(v is not None and v != "" for v in values):
                chunk.append((number, values))
                if len(chunk) == CHUNK:
                    send(stream, ("rows", chunk))
                    chunk = []
        if chunk:
            send(stream, ("rows", chunk))
    finally:
        workbook.close()


def main() -> int:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    stream = sys.stdout.buffer
    try:
        read_rows(sys.argv[1], stream)
    except BrokenPipeError:  # the import stopped reading (it failed, or was stopped): nothing to tell
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())  # nor at exit, when stdout is flushed
        return 0
    except Exception as exc:  # any fault of the file ends the read and is reported by its kind
        send(stream, ("error", type(exc).__name__))
    else:
        send(stream, ("end",))
    stream.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
