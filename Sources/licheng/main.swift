print("licheng")
