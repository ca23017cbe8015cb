"""What can go wrong when the app talks to FreeSWITCH over the event socket.

Callers catch `SwitchProblem` to cover all three; views turn them into a message for the agent."""


class SwitchProblem(Exception):
    """Base class: the command did not do what was asked."""


class SwitchError(SwitchProblem):
    """FreeSWITCH answered "-ERR …" (e.g. "-ERR No such channel!"); `reply` holds its text."""

    def __init__(self, reply: str, command: str = ""):
        self.reply = reply.strip()
        self.command = command
        super().__init__(self.reply)


class SwitchUnavailable(SwitchProblem):
    """No connected node can take the command (switch down, reconnecting, or none configured)."""


class SwitchTimeout(SwitchProblem):
    """The node did not answer within the command timeout."""
